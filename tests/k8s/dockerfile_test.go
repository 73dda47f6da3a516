package k8s

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Instruction is one Dockerfile instruction after line continuations are joined.
type Instruction struct {
	Cmd  string // upper case: FROM, RUN, COPY, ...
	Args string // the rest of the line, raw
	Line int
}

// Stage is one FROM and what follows it.
type Stage struct {
	Base  string // the image, ARGs expanded
	Name  string // AS name
	Instr []Instruction
	Args  map[string]string // ARGs in scope (stage ARG with their values)
}

// Dockerfile is a parsed Dockerfile for one set of build arguments.
type Dockerfile struct {
	Path   string
	Stages []*Stage
}

// parseDockerfile reads path the way the Dockerfile frontend does for the
// instructions used here: comments and parser directives skipped, backslash
// continuations joined, ARG scoping (global ARGs for FROM; a stage sees only
// the ARGs it redeclares), ${VAR} and $VAR expanded in FROM, COPY, LABEL,
// USER, WORKDIR, ENV and EXPOSE; RUN is expanded with the stage's ARG and ENV
// values as its shell would. buildArgs are the --build-arg values.
func parseDockerfile(path string, buildArgs map[string]string) (*Dockerfile, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var instrs []Instruction
	var cur strings.Builder
	start := 0
	for i, line := range strings.Split(string(raw), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cur.Len() > 0 && strings.HasPrefix(trimmed, "#") {
			continue // comment lines inside a continued instruction are dropped
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\"))
			cur.WriteString(" ")
			continue
		}
		cur.WriteString(line)
		text := strings.TrimSpace(cur.String())
		cur.Reset()
		cmd, args, _ := strings.Cut(text, " ")
		instrs = append(instrs, Instruction{Cmd: strings.ToUpper(cmd), Args: strings.TrimSpace(args), Line: start})
	}
	if cur.Len() > 0 {
		return nil, fmt.Errorf("%s: ends inside a continued line", path)
	}
	df := &Dockerfile{Path: path}
	global := map[string]string{}
	var st *Stage
	for _, in := range instrs {
		switch in.Cmd {
		case "ARG":
			name, def, hasDef := strings.Cut(in.Args, "=")
			val, given := buildArgs[name]
			if !given && hasDef {
				val = strings.Trim(def, `"`)
			}
			if st == nil {
				global[name] = val
			} else {
				// A stage ARG without a value takes the global one of that name.
				if g, ok := global[name]; ok && !given && !hasDef {
					val = g
				}
				st.Args[name] = val
			}
			continue
		case "FROM":
			words := strings.Fields(in.Args)
			var rest []string
			for _, w := range words {
				if !strings.HasPrefix(w, "--") {
					rest = append(rest, w)
				}
			}
			if len(rest) == 0 {
				return nil, fmt.Errorf("%s:%d: FROM without an image", path, in.Line)
			}
			st = &Stage{Base: expandVars(rest[0], global), Args: map[string]string{}}
			if len(rest) == 3 && strings.EqualFold(rest[1], "AS") {
				st.Name = rest[2]
			}
			df.Stages = append(df.Stages, st)
			continue
		}
		if st == nil {
			return nil, fmt.Errorf("%s:%d: %s before FROM", path, in.Line, in.Cmd)
		}
		switch in.Cmd {
		case "COPY", "ADD", "LABEL", "USER", "WORKDIR", "EXPOSE", "RUN":
			in.Args = expandVars(in.Args, st.Args)
		case "ENV":
			in.Args = expandVars(in.Args, st.Args)
			k, v, _ := strings.Cut(in.Args, "=")
			st.Args[strings.TrimSpace(k)] = strings.Trim(v, `"`)
		}
		st.Instr = append(st.Instr, in)
	}
	if len(df.Stages) == 0 {
		return nil, fmt.Errorf("%s: no FROM", path)
	}
	return df, nil
}

var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

func expandVars(s string, vars map[string]string) string {
	return varRef.ReplaceAllStringFunc(s, func(m string) string {
		sub := varRef.FindStringSubmatch(m)
		name := sub[1] + sub[2]
		if v, ok := vars[name]; ok {
			return v
		}
		return m
	})
}

func (st *Stage) all(cmd string) []Instruction {
	var out []Instruction
	for _, in := range st.Instr {
		if in.Cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// copyArgs splits COPY's flags from its sources and destination (exec form too).
func copyArgs(args string) (flags map[string]string, srcs []string, dst string, err error) {
	flags = map[string]string{}
	var words []string
	if strings.HasPrefix(args, "[") {
		if err := json.Unmarshal([]byte(args), &words); err != nil {
			return nil, nil, "", err
		}
	} else if words, err = shellWords(args); err != nil {
		return nil, nil, "", err
	}
	var rest []string
	for _, w := range words {
		if k, ok := strings.CutPrefix(w, "--"); ok && len(rest) == 0 {
			name, val, _ := strings.Cut(k, "=")
			flags[name] = val
			continue
		}
		rest = append(rest, w)
	}
	if len(rest) < 2 {
		return nil, nil, "", fmt.Errorf("COPY %s: want sources and a destination", args)
	}
	return flags, rest[:len(rest)-1], rest[len(rest)-1], nil
}

// labels reads LABEL key=value pairs (quoted values allowed).
func labelPairs(args string) (map[string]string, error) {
	words, err := shellWords(args)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if !ok {
			return nil, fmt.Errorf("LABEL %q: want key=value", w)
		}
		out[k] = v
	}
	return out, nil
}

// runGoBuild finds the go build command of a RUN instruction.
func runGoBuild(args string) (BuildCmd, bool, error) {
	// RUN's own flags (--mount=..., --network=...) come first.
	words := strings.Fields(args)
	i := 0
	for i < len(words) && strings.HasPrefix(words[i], "--") {
		i++
	}
	body := strings.Join(words[i:], " ")
	if strings.HasPrefix(body, "[") {
		var argv []string
		if err := json.Unmarshal([]byte(body), &argv); err != nil {
			return BuildCmd{}, false, err
		}
		body = strings.Join(argv, " ")
	}
	for _, c := range simpleCommands(body) {
		b, ok, err := parseGoBuild(c)
		if err != nil || ok {
			return b, ok, err
		}
	}
	return BuildCmd{}, false, nil
}

// dockerfiles are the Dockerfiles of the binaries: one at the root taking
// SERVICE, or services/<name>/Dockerfile each.
func dockerfiles(t *testing.T, binary string) (path string, args map[string]string) {
	t.Helper()
	root := repoRoot(t)
	if p := filepath.Join(root, "services", binary, "Dockerfile"); fileExists(p) {
		return p, map[string]string{}
	}
	if p := filepath.Join(root, "Dockerfile"); fileExists(p) {
		return p, map[string]string{"SERVICE": binary}
	}
	t.Fatalf("no Dockerfile for %s (services/%s/Dockerfile or ./Dockerfile with SERVICE)", binary, binary)
	return "", nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

const distrolessNonroot = "gcr.io/distroless/static-debian12:nonroot"

// TestDockerfiles checks, without a Docker engine, that each image is built
// the way `make build` builds its binary, copies that binary into a
// distroless static non-root image with no shell, runs as a non-root user the
// chart's securityContext agrees with, and starts the file it copied.
func TestDockerfiles(t *testing.T) {
	builds := makeBuild(t)
	// Every service the chart deploys, and the all-in-one binary its Job runs.
	binaries := []string{"kept"}
	for _, d := range render(t, nil).Deployments {
		binaries = append(binaries, d.Spec.Template.Spec.Containers[0].Name)
	}
	chartUID := int64(65532)
	if psc := render(t, nil).Deployments[0].Spec.Template.Spec.SecurityContext; psc != nil && psc.RunAsUser != nil {
		chartUID = *psc.RunAsUser
	}
	goVersion := workGoVersion(t)
	for _, bin := range binaries {
		t.Run(bin, func(t *testing.T) {
			want, ok := builds[bin]
			if !ok {
				t.Fatalf("make build does not build %s: the chart deploys a binary the Makefile does not make", bin)
			}
			path, args := dockerfiles(t, bin)
			df, err := parseDockerfile(path, args)
			if err != nil {
				t.Fatal(err)
			}
			final := df.Stages[len(df.Stages)-1]

			// The build stage: same command as make build, from the repository root.
			var build *Stage
			var got BuildCmd
			for _, st := range df.Stages[:len(df.Stages)-1] {
				for _, run := range st.all("RUN") {
					b, ok, err := runGoBuild(run.Args)
					if err != nil {
						t.Fatalf("%s:%d: %v", path, run.Line, err)
					}
					if ok {
						build, got = st, b
					}
				}
			}
			if build == nil {
				t.Fatalf("%s: no stage runs go build", path)
			}
			if err := got.Same(want); err != nil {
				t.Errorf("the image builds %s differently from make build: %v\n  Dockerfile: %s\n  Makefile:   %s", bin, err, got.Line, want.Line)
			}
			if !strings.HasPrefix(build.Base, "golang:"+goVersion+"-") && build.Base != "golang:"+goVersion {
				t.Errorf("build stage FROM %s: want golang:%s (the go line of go.work)", build.Base, goVersion)
			}
			for _, env := range build.all("ENV") {
				if strings.HasPrefix(env.Args, "GO") || strings.HasPrefix(env.Args, "CGO") {
					t.Errorf("%s:%d: ENV %s changes the build from make build's", path, env.Line, env.Args)
				}
			}
			// The package path is relative: the stage must hold the whole
			// repository at its working directory (go.work and every module).
			workdir := ""
			for _, w := range build.all("WORKDIR") {
				workdir = w.Args
			}
			rootCopied := false
			for _, c := range build.all("COPY") {
				_, srcs, dst, err := copyArgs(c.Args)
				if err != nil {
					t.Fatal(err)
				}
				if len(srcs) == 1 && srcs[0] == "." && (dst == "." || dst == "./" || dst == workdir || dst == workdir+"/") {
					rootCopied = true
				}
			}
			if workdir == "" || !rootCopied {
				t.Errorf("build stage: want WORKDIR and COPY . . so ./services/... and go.work resolve as at the repository root")
			}
			built := got.Output
			if !filepath.IsAbs(built) {
				built = filepath.Join(workdir, built)
			}

			// The final stage.
			if final.Base != distrolessNonroot {
				t.Errorf("final stage FROM %s, want %s", final.Base, distrolessNonroot)
			}
			if runs := final.all("RUN"); len(runs) > 0 {
				t.Errorf("final stage has RUN at line %d: the image has no shell to run it", runs[0].Line)
			}
			var entryDst string
			for _, c := range final.all("COPY") {
				flags, srcs, dst, err := copyArgs(c.Args)
				if err != nil {
					t.Fatal(err)
				}
				if flags["from"] != build.Name && flags["from"] != strconv.Itoa(indexOf(df, build)) {
					continue
				}
				for _, src := range srcs {
					if filepath.Clean(src) == filepath.Clean(built) {
						entryDst = dst
						if strings.HasSuffix(dst, "/") {
							entryDst = dst + filepath.Base(src)
						}
					}
				}
			}
			if entryDst == "" {
				t.Fatalf("final stage copies nothing from %s's output %s", build.Name, built)
			}
			ep := final.all("ENTRYPOINT")
			if len(ep) == 0 {
				t.Fatal("final stage has no ENTRYPOINT")
			}
			var argv []string
			if err := json.Unmarshal([]byte(ep[len(ep)-1].Args), &argv); err != nil || len(argv) == 0 {
				t.Fatalf("ENTRYPOINT %s: want the exec form (JSON array): there is no shell", ep[len(ep)-1].Args)
			}
			if strings.Contains(argv[0], "$") {
				t.Errorf("ENTRYPOINT %s: the exec form expands no variables", argv[0])
			}
			if argv[0] != entryDst {
				t.Errorf("ENTRYPOINT runs %s, but the binary is copied to %s", argv[0], entryDst)
			}
			for _, c := range final.all("CMD") {
				t.Errorf("%s:%d: CMD in the final stage would pass arguments the chart does not show", path, c.Line)
			}

			users := final.all("USER")
			if len(users) == 0 {
				t.Fatal("final stage sets no USER")
			}
			user := users[len(users)-1].Args
			uidText, _, _ := strings.Cut(user, ":")
			uid, err := strconv.ParseInt(uidText, 10, 64)
			switch {
			case err != nil:
				t.Errorf("USER %s: want a numeric uid, or the kubelet cannot verify runAsNonRoot", user)
			case uid == 0:
				t.Errorf("USER %s is root", user)
			case uid != chartUID:
				t.Errorf("USER %d, but the chart runs the pods as %d", uid, chartUID)
			}

			labels := map[string]string{}
			for _, l := range final.all("LABEL") {
				pairs, err := labelPairs(l.Args)
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range pairs {
					labels[k] = v
				}
			}
			for _, k := range []string{"title", "description", "source", "version", "revision", "created", "base.name"} {
				if labels["org.opencontainers.image."+k] == "" {
					t.Errorf("no OCI label org.opencontainers.image.%s", k)
				}
			}
			if got := labels["org.opencontainers.image.base.name"]; got != final.Base {
				t.Errorf("base.name label %s, base %s", got, final.Base)
			}
			if !strings.Contains(labels["org.opencontainers.image.title"], bin) {
				t.Errorf("title label %q does not name %s", labels["org.opencontainers.image.title"], bin)
			}
		})
	}
}

func indexOf(df *Dockerfile, st *Stage) int {
	for i, s := range df.Stages {
		if s == st {
			return i
		}
	}
	return -1
}

func workGoVersion(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "go.work"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go\s+(\S+)`).FindStringSubmatch(string(raw))
	if m == nil {
		t.Fatal("go.work has no go line")
	}
	return m[1]
}

// TestDockerfileParser pins the parser on a Dockerfile that breaks each rule.
func TestDockerfileParser(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "Dockerfile")
	src := "# syntax=docker/dockerfile:1\nARG V=1.0\nFROM golang:${V} AS b\nARG S\n" +
		"RUN --mount=type=cache,target=/x \\\n  test -n \"$S\" && \\\n  # a comment\n  GOOS=linux go build -ldflags '-s -w' -o /out/$S ./cmd/$S\n" +
		"FROM scratch\nARG S\nCOPY --from=b /out/${S} /bin/\nUSER nobody\nENTRYPOINT /bin/$S\n"
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	df, err := parseDockerfile(p, map[string]string{"S": "svc"})
	if err != nil {
		t.Fatal(err)
	}
	if len(df.Stages) != 2 || df.Stages[0].Base != "golang:1.0" || df.Stages[0].Name != "b" {
		t.Fatalf("stages %+v", df.Stages)
	}
	b, ok, err := runGoBuild(df.Stages[0].all("RUN")[0].Args)
	if err != nil || !ok {
		t.Fatalf("go build not found: %v", err)
	}
	if b.Output != "/out/svc" || b.Package != "./cmd/svc" || b.Env["GOOS"] != "linux" || strings.Join(b.Flags, " ") != "-ldflags=-s -w" {
		t.Errorf("parsed %+v", b)
	}
	if b.Same(BuildCmd{Env: map[string]string{"GOOS": "linux"}, Flags: []string{"-ldflags=-s -w"}, Output: "bin/svc", Package: "./cmd/svc"}) != nil {
		t.Error("same build reported different")
	}
	if b.Same(BuildCmd{Env: map[string]string{"GOOS": "linux"}, Output: "bin/svc", Package: "./cmd/svc"}) == nil {
		t.Error("different flags reported the same")
	}
	_, srcs, dst, err := copyArgs(df.Stages[1].all("COPY")[0].Args)
	if err != nil || srcs[0] != "/out/svc" || dst != "/bin/" {
		t.Errorf("COPY parsed %v %s %v", srcs, dst, err)
	}
}
