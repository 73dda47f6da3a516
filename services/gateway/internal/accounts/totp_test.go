package accounts

import (
	"encoding/base32"
	"testing"
	"time"
)

// RFC 6238 appendix B, SHA-1, six low digits of the eight-digit vectors.
func TestTOTPMatchesRFC6238(t *testing.T) {
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))
	for unix, want := range map[int64]string{59: "287082", 1111111109: "081804", 1111111111: "050471", 1234567890: "005924", 2000000000: "279037"} {
		got, err := TOTPCode(secret, TOTPStep(time.Unix(unix, 0)))
		if err != nil || got != want {
			t.Errorf("T=%d: %q %v, want %q", unix, got, err, want)
		}
	}
}

func TestCheckTOTPAllowsOneStepOfDriftAndNoReplay(t *testing.T) {
	sec := NewTOTPSecret()
	now := time.Unix(1_800_000_000, 0)
	step := TOTPStep(now)
	for d, ok := range map[int64]bool{-2: false, -1: true, 0: true, 1: true, 2: false} {
		code, _ := TOTPCode(sec, step+d)
		if _, got := CheckTOTP(sec, code, now, 0); got != ok {
			t.Errorf("drift %d steps: accepted=%v, want %v", d, got, ok)
		}
	}
	code, _ := TOTPCode(sec, step)
	used, ok := CheckTOTP(sec, code, now, 0)
	if !ok {
		t.Fatal("current code refused")
	}
	if _, ok := CheckTOTP(sec, code, now, used); ok {
		t.Error("a used code was accepted again")
	}
	if _, ok := CheckTOTP(sec, "12345", now, 0); ok {
		t.Error("a five-digit code was accepted")
	}
}
