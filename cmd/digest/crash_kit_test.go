package main

// The kit of the kill -9 tests (crash_*_test.go): the digest binary and
// the feed farm built with go build, run as real processes, killed with
// SIGKILL, and the database checked with "digest check --truth".

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// crashBins are the binaries the kill -9 tests run, built once per test
// binary.
var crashBins struct {
	once         sync.Once
	dir          string
	digest, farm string
	err          error
}

// buildCrashBins builds the digest command and the feed farm
// (../shared/tools/feedfarm, or DIGEST_FEEDFARM) with go build.
func buildCrashBins(t *testing.T) (digestBin, farmBin string) {
	t.Helper()
	if testing.Short() && os.Getenv("DIGEST_CRASH_FEEDS") == "" {
		// Two go builds and several real processes: part of the
		// whole suite, not of -short.
		t.Skip("kill -9 tests build and run real processes: not in -short")
	}
	farmSrc := os.Getenv("DIGEST_FEEDFARM")
	if farmSrc == "" {
		farmSrc = "../../../shared/tools/feedfarm"
	}
	if _, err := os.Stat(filepath.Join(farmSrc, "farm.go")); err != nil {
		t.Skipf("no feed farm source at %s (set DIGEST_FEEDFARM): %v", farmSrc, err)
	}
	crashBins.once.Do(func() {
		dir, err := os.MkdirTemp("", "digest-crash-bin-")
		if err != nil {
			crashBins.err = err
			return
		}
		crashBins.dir = dir
		crashBins.digest = filepath.Join(dir, "digest")
		crashBins.farm = filepath.Join(dir, "feedfarm")
		for _, b := range []struct{ dir, out string }{{".", crashBins.digest}, {farmSrc, crashBins.farm}} {
			cmd := exec.Command("go", "build", "-o", b.out, ".")
			cmd.Dir = b.dir
			if out, err := cmd.CombinedOutput(); err != nil {
				crashBins.err = fmt.Errorf("go build in %s: %v\n%s", b.dir, err, out)
				return
			}
		}
	})
	if crashBins.err != nil {
		t.Fatal(crashBins.err)
	}
	return crashBins.digest, crashBins.farm
}

// TestMain removes the binaries the kill -9 tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if crashBins.dir != "" {
		os.RemoveAll(crashBins.dir)
	}
	os.Exit(code)
}

// freeAddr returns a loopback address nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// feedFarm is a running feedfarm process.
type feedFarm struct {
	url   string
	feeds int
}

// startFeedFarm runs the farm with feeds × items, each feed answering
// after delay, until the test ends.
func startFeedFarm(t *testing.T, bin string, feeds, items int, delay time.Duration) *feedFarm {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, "-addr", addr, "-feeds", strconv.Itoa(feeds), "-items", strconv.Itoa(items),
		"-seed", "1", "-warm", "-delay", delay.String())
	dieWithTest(cmd)
	logf, err := os.Create(filepath.Join(t.TempDir(), "farm.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); logf.Close() })
	f := &feedFarm{url: "http://" + addr, feeds: feeds}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if _, err := f.stats(); err == nil {
			return f
		}
		if time.Now().After(deadline) {
			t.Fatalf("the feed farm did not answer on %s in 2 minutes", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stats reads the farm's counters.
func (f *feedFarm) stats() (map[string]float64, error) {
	res, err := http.Get(f.url + "/stats")
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var s map[string]float64
	return s, json.NewDecoder(res.Body).Decode(&s)
}

// stat reads one of the farm's counters, failing the test when the farm
// does not answer.
func (f *feedFarm) stat(t *testing.T, name string) int {
	t.Helper()
	s, err := f.stats()
	if err != nil {
		t.Fatalf("farm stats: %v", err)
	}
	return int(s[name])
}

// get reads a farm path's body.
func (f *feedFarm) get(t *testing.T, path string) []byte {
	t.Helper()
	res, err := http.Get(f.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("farm %s: %s, %v", path, res.Status, err)
	}
	return b
}

// digestRun runs a one-shot digest command, returning its stdout and
// error (non-nil for a non-zero exit; stderr in its text).
func digestRun(bin string, stdin string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("digest %s: %v: %s", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), nil
}

// crashCheck is the line of "digest check".
type crashCheck struct {
	checkReport
	exitErr error
}

// runCheck runs digest check --truth on db (--data DIR or --database DSN
// given as flags) and decodes its line.
func digestCheck(t *testing.T, bin string, farm *feedFarm, db ...string) crashCheck {
	t.Helper()
	args := append([]string{"check", "--truth", farm.url + "/truth"}, db...)
	out, err := digestRun(bin, "", args...)
	var c crashCheck
	c.exitErr = err
	if jerr := json.Unmarshal([]byte(out), &c.checkReport); jerr != nil || c.TruthEntries == nil {
		t.Fatalf("digest check: %q (%v), %v", out, jerr, err)
	}
	return c
}

func (c crashCheck) String() string {
	return fmt.Sprintf("articles %d, truth %d, missing %d, duplicates %d, without story %d, pending %d, post failed %d, orphan sources %d, stories %d, empty stories %d, leased %d (expired %d), errors %q",
		c.Articles, *c.TruthEntries, *c.Missing, *c.Duplicates, c.WithoutStory, c.Pending, c.PostFailed, c.OrphanSources, c.Stories, c.EmptyStories, c.Leased, c.LeaseExpired, c.Errors)
}

// settled tells whether the check says everything is done and right.
func (c crashCheck) settled() bool {
	return c.exitErr == nil && len(c.Errors) == 0 && *c.Missing == 0 && *c.Duplicates == 0 && c.Pending == 0 &&
		c.WithoutStory == 0 && c.OrphanSources == 0 && c.EmptyStories == 0 && c.Leased == 0 && c.LeaseExpired == 0
}

// digestProc is a running digest serve process.
type digestProc struct {
	name    string
	cmd     *exec.Cmd
	base    string // the reader's URL ("" for a worker)
	metrics string // its /metrics URL
	exited  chan struct{}
	log     *os.File
}

// startDigest runs "digest serve" with args (data or database, role...)
// on free loopback ports, and waits until it serves (a worker: until its
// metrics answer).
func startDigest(t *testing.T, bin, name string, args ...string) *digestProc {
	t.Helper()
	maddr := freeAddr(t)
	args = append([]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", maddr, "--allow-private",
		"--workers", "8", "--log-level", "warn"}, args...)
	cmd := exec.Command(bin, args...)
	dieWithTest(cmd)
	logf, err := os.OpenFile(filepath.Join(t.TempDir(), name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &digestProc{name: name, cmd: cmd, metrics: "http://" + maddr + "/metrics", exited: make(chan struct{}), log: logf}
	serving := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if _, u, ok := strings.Cut(line, "serving on "); ok {
				serving <- strings.TrimSuffix(u, "/")
			}
			if strings.Contains(line, "worker is fetching") {
				serving <- ""
			}
		}
		cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() { p.kill(); logf.Close() })
	select {
	case p.base = <-serving:
	case <-p.exited:
		t.Fatalf("%s exited at start: %s", name, p.logTail())
	case <-time.After(5 * time.Minute):
		t.Fatalf("%s did not start in 5 minutes: %s", name, p.logTail())
	}
	return p
}

// kill ends the process with SIGKILL: nothing of it runs after.
func (p *digestProc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// stop ends the process with SIGTERM, as an operator's stop, and waits.
func (p *digestProc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Minute):
		t.Errorf("%s did not stop in 5 minutes after SIGTERM", p.name)
		p.kill()
	}
}

func (p *digestProc) logTail() string {
	b, _ := os.ReadFile(p.log.Name())
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// metric reads one value of the process's /metrics (the line starting
// with name, labels included); -1 when it does not answer.
func (p *digestProc) metric(name string) float64 {
	res, err := http.Get(p.metrics)
	if err != nil {
		return -1
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			v, err := strconv.ParseFloat(rest, 64)
			if err == nil {
				return v
			}
		}
	}
	return -1
}

// ready tells whether the process's /readyz says ready.
func (p *digestProc) ready() bool {
	res, err := http.Get(p.base + "/readyz")
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

// pollUntil calls cond until it is true, failing the test after limit.
// It waits on what it polls, not on time: limit is only a bound on a
// hang.
func pollUntil(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not %s after %s", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// envInt reads an integer from the environment, def when unset.
func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return n
}
