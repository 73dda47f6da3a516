package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Header names of a delivery.
const (
	HeaderTimestamp = "X-Kept-Timestamp"
	HeaderSignature = "X-Kept-Signature"
	HeaderEvent     = "X-Kept-Event"
	HeaderDelivery  = "X-Kept-Delivery"
)

// Sign returns the X-Kept-Signature value: "sha256=" and the hex
// HMAC-SHA256 of timestamp + "." + body under secret.
func Sign(secret string, timestamp int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(timestamp, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify is what a receiver does: it checks the signature in constant time
// and that the timestamp is within tolerance of now (replay protection).
func Verify(secret, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) bool {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return false
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return false
	}
	want := Sign(secret, ts, body)
	return strings.HasPrefix(signature, "sha256=") && hmac.Equal([]byte(want), []byte(signature))
}
