package k8s

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// BuildCmd is one `go build` command line: the binary it makes and how.
type BuildCmd struct {
	Env     map[string]string // NAME=value words before the command
	Flags   []string          // every flag but -o and its value, in order
	Output  string            // -o
	Package string            // the one package argument
	Line    string            // the command as written, after expansion
}

// Binary is the name of the file the command writes.
func (b BuildCmd) Binary() string { return filepath.Base(b.Output) }

// Same reports whether a and b build the same binary the same way (the
// output directory may differ).
func (b BuildCmd) Same(o BuildCmd) error {
	var diffs []string
	if b.Package != o.Package {
		diffs = append(diffs, fmt.Sprintf("package %s vs %s", b.Package, o.Package))
	}
	if strings.Join(b.Flags, " ") != strings.Join(o.Flags, " ") {
		diffs = append(diffs, fmt.Sprintf("flags %q vs %q", b.Flags, o.Flags))
	}
	if fmt.Sprint(sortedEnv(b.Env)) != fmt.Sprint(sortedEnv(o.Env)) {
		diffs = append(diffs, fmt.Sprintf("environment %v vs %v", sortedEnv(b.Env), sortedEnv(o.Env)))
	}
	if b.Binary() != o.Binary() {
		diffs = append(diffs, fmt.Sprintf("binary %s vs %s", b.Binary(), o.Binary()))
	}
	if len(diffs) > 0 {
		return fmt.Errorf("%s", strings.Join(diffs, "; "))
	}
	return nil
}

func sortedEnv(env map[string]string) []string {
	var out []string
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// shellWords splits a simple shell command into words, honouring single and
// double quotes and backslash escapes (no expansion).
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated ' in %q", s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated \" in %q", s)
			}
			cur.WriteString(strings.ReplaceAll(s[i+1:j], `\"`, `"`))
			i = j
			inWord = true
		case c == '\\' && i+1 < len(s):
			cur.WriteByte(s[i+1])
			i++
			inWord = true
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

var envWord = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)

// parseGoBuild reads one simple command; ok is false when it is not `go build`.
func parseGoBuild(cmd string) (BuildCmd, bool, error) {
	words, err := shellWords(cmd)
	if err != nil {
		return BuildCmd{}, false, err
	}
	b := BuildCmd{Env: map[string]string{}, Line: strings.TrimSpace(cmd)}
	i := 0
	for ; i < len(words) && envWord.MatchString(words[i]); i++ {
		k, v, _ := strings.Cut(words[i], "=")
		b.Env[k] = v
	}
	if i+1 >= len(words) || filepath.Base(words[i]) != "go" || words[i+1] != "build" {
		return BuildCmd{}, false, nil
	}
	var pkgs []string
	for j := i + 2; j < len(words); j++ {
		w := words[j]
		switch {
		case w == "-o":
			if j+1 >= len(words) {
				return BuildCmd{}, false, fmt.Errorf("-o without a value in %q", cmd)
			}
			b.Output = words[j+1]
			j++
		case strings.HasPrefix(w, "-o="):
			b.Output = strings.TrimPrefix(w, "-o=")
		case strings.HasPrefix(w, "-"):
			// Flags with a separate value would need their value kept with
			// them; the builds here use only -o that way.
			if w == "-ldflags" || w == "-tags" || w == "-gcflags" || w == "-mod" {
				if j+1 >= len(words) {
					return BuildCmd{}, false, fmt.Errorf("%s without a value in %q", w, cmd)
				}
				w += "=" + words[j+1]
				j++
			}
			b.Flags = append(b.Flags, w)
		default:
			pkgs = append(pkgs, w)
		}
	}
	if len(pkgs) != 1 || b.Output == "" {
		return BuildCmd{}, false, fmt.Errorf("want one package and -o in %q", cmd)
	}
	b.Package = pkgs[0]
	return b, true, nil
}

// simpleCommands splits a shell list on ;, && and || (no quoting of those
// operators is expected in build recipes).
func simpleCommands(s string) []string {
	var out []string
	for _, part := range regexp.MustCompile(`\s*(;|&&|\|\|)\s*`).Split(s, -1) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// makeBuild reads the Makefile's `build` target and returns the go build
// command it runs for each binary, with make variables and its `for` loop
// expanded: what `make build` runs, without running make.
func makeBuild(t testing.TB) map[string]BuildCmd {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(raw), "\\\n", " ")
	vars := map[string]string{"CURDIR": "."}
	assign := regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\s*(\?=|:=|=)\s*(.*)$`)
	var recipe []string
	inBuild := false
	for _, line := range strings.Split(text, "\n") {
		if inBuild {
			if strings.HasPrefix(line, "\t") {
				recipe = append(recipe, strings.TrimPrefix(line, "\t"))
				continue
			}
			if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			inBuild = false
		}
		if m := assign.FindStringSubmatch(line); m != nil && !strings.HasPrefix(line, "\t") {
			if _, set := vars[m[1]]; !(m[2] == "?=" && set) {
				vars[m[1]] = strings.TrimSpace(m[3])
			}
			continue
		}
		if strings.HasPrefix(line, "build:") {
			inBuild = true
		}
	}
	if len(recipe) == 0 {
		t.Fatal("Makefile: no recipe for target build")
	}
	vars["GO"] = "go" // GO ?= go; a caller's GO=... changes only which go runs
	expand := func(s string) string {
		ref := regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)
		for range 5 {
			s = ref.ReplaceAllStringFunc(s, func(m string) string {
				name := ref.FindStringSubmatch(m)[1]
				if v, ok := vars[name]; ok {
					return v
				}
				return m
			})
		}
		return strings.ReplaceAll(s, "$$", "$")
	}
	loop := regexp.MustCompile(`^for\s+(\w+)\s+in\s+(.*?);\s*do\s+(.*?);?\s*done$`)
	out := map[string]BuildCmd{}
	add := func(cmd string) {
		for _, c := range simpleCommands(cmd) {
			b, ok, err := parseGoBuild(c)
			if err != nil {
				t.Fatalf("Makefile build: %v", err)
			}
			if ok {
				out[b.Binary()] = b
			}
		}
	}
	for _, line := range recipe {
		line = strings.TrimLeft(expand(line), "@-+ ")
		if m := loop.FindStringSubmatch(line); m != nil {
			for _, item := range strings.Fields(m[2]) {
				body := strings.NewReplacer("${"+m[1]+"}", item, "$"+m[1], item).Replace(m[3])
				add(body)
			}
			continue
		}
		add(line)
	}
	if len(out) == 0 {
		t.Fatal("Makefile build: no go build command found")
	}
	return out
}

// TestMakeBuildParsed pins what the parser reads from the Makefile, so a
// change there shows up here first.
func TestMakeBuildParsed(t *testing.T) {
	builds := makeBuild(t)
	for _, name := range []string{"kept", "commitments", "updates", "dashboards"} {
		b, ok := builds[name]
		if !ok {
			t.Errorf("make build does not build %s (it builds %v)", name, keys(builds))
			continue
		}
		if want := "./services/" + name + "/cmd/" + name; b.Package != want {
			t.Errorf("%s: package %s, want %s", name, b.Package, want)
		}
		if b.Env["CGO_ENABLED"] != "0" {
			t.Errorf("%s: CGO_ENABLED=%q: the distroless static image needs a static binary", name, b.Env["CGO_ENABLED"])
		}
		t.Logf("make build: %s", b.Line)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
