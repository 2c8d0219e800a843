package main

import (
	"flag"
	"fmt"
	"math"
	"net/netip"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/occasional-digest/digest/store/postgres"
)

// Config is the whole configuration of a digest process, built once in main
// from flags and DIGEST_* environment variables and passed down.
type Config struct {
	Addr            string        // listen address (DIGEST_ADDR)
	Data            string        // data directory (DIGEST_DATA)
	Database        string        // database file or DSN; default DATA/digest.db (DIGEST_DATABASE)
	RefreshInterval time.Duration // shortest interval between two checks of a feed (DIGEST_REFRESH_INTERVAL)
	Workers         int           // concurrent fetches (DIGEST_WORKERS)
	PerHost         int           // concurrent fetches per host (DIGEST_PER_HOST)
	AllowPrivate    bool          // allow feeds on private networks and loopback (DIGEST_ALLOW_PRIVATE)
	LogLevel        string        // debug, info, warn, error (DIGEST_LOG_LEVEL)
	// MemoryLimit is the Go runtime's soft memory limit in bytes
	// (DIGEST_MEMORY_LIMIT), applied when the app opens; 0 leaves the
	// runtime's own setting (GOMEMLIMIT, or none).
	MemoryLimit int64
	// IngestBuffer bounds the parsed feed entries that wait for the
	// database, in bytes (DIGEST_INGEST_BUFFER): ingest.Options's
	// PendingBytes, with batches of half of it. 0 means ingest's default.
	IngestBuffer int64
	// BaseURL is the address users reach the server at (DIGEST_BASE_URL);
	// with https://, session cookies are Secure.
	BaseURL string
	// TrustedProxies are the reverse proxies whose X-Forwarded-* and auth
	// header are believed (DIGEST_TRUSTED_PROXIES, comma-separated CIDRs).
	TrustedProxies []netip.Prefix
	// AuthProxyHeader names the header a trusted proxy passes the user's
	// name in (DIGEST_AUTH_PROXY_HEADER); "" turns proxy sign-in off.
	AuthProxyHeader string
	// User is the account one-shot commands (add, import, export) act for
	// (DIGEST_USER); "" means the only user.
	User string
	// Role is what serve runs (DIGEST_ROLE): "all" (the default), "web"
	// (the HTTP server only) or "worker" (fetching, post-processing and
	// the story engine, no reader). web and worker need PostgreSQL.
	Role string
	// MetricsAddr, unless "", is where serve answers /metrics in the
	// Prometheus text format (DIGEST_METRICS_ADDR).
	MetricsAddr string
	// Pprof serves Go's runtime profiles (net/http/pprof) under
	// /debug/pprof/ on MetricsAddr (DIGEST_PPROF): CPU, heap, goroutines
	// and lock contention of a running server, for `go tool pprof`.
	Pprof bool
	// Lease is how long a worker holds a feed it claimed (DIGEST_LEASE;
	// 0: the pipeline's default, 5 minutes): the feeds of a worker that
	// died are fetched again by another once it runs out. It must cover
	// a fetch and its save.
	Lease time.Duration
}

// configVar describes one setting: its flag, environment variable and help.
type configVar struct {
	flag, env, help string
}

// The settings, in the order the README's configuration table lists them.
var configVars = []configVar{
	{"addr", "DIGEST_ADDR", "listen address host:port"},
	{"data", "DIGEST_DATA", "data directory (created on first run)"},
	{"database", "DIGEST_DATABASE", "SQLite database file (default DATA/digest.db)"},
	{"refresh-interval", "DIGEST_REFRESH_INTERVAL", "shortest time between two checks of one feed"},
	{"workers", "DIGEST_WORKERS", "concurrent fetches"},
	{"per-host", "DIGEST_PER_HOST", "concurrent fetches per host"},
	{"allow-private", "DIGEST_ALLOW_PRIVATE", "allow feeds on loopback and private networks"},
	{"log-level", "DIGEST_LOG_LEVEL", "log level: debug, info, warn, error"},
	{"memory-limit", "DIGEST_MEMORY_LIMIT", "soft limit of the Go heap, e.g. 64MiB or 1GiB; 0 keeps GOMEMLIMIT"},
	{"ingest-buffer", "DIGEST_INGEST_BUFFER", "parsed feed entries waiting for the database, e.g. 4MiB (written in batches of half that)"},
	{"base-url", "DIGEST_BASE_URL", "address users reach the server at, e.g. https://news.example.org (https: Secure cookies)"},
	{"trusted-proxies", "DIGEST_TRUSTED_PROXIES", "comma-separated CIDRs of reverse proxies whose X-Forwarded-* headers are believed"},
	{"auth-proxy-header", "DIGEST_AUTH_PROXY_HEADER", "header in which a trusted proxy names the signed-in user (e.g. Remote-User)"},
	{"user", "DIGEST_USER", "the account add, import and export act for (default: the only user)"},
	{"role", "DIGEST_ROLE", "what serve runs: all, web (the reader only) or worker (fetching and stories only); web and worker need PostgreSQL"},
	{"metrics-addr", "DIGEST_METRICS_ADDR", "address host:port of a Prometheus /metrics endpoint (default: none)"},
	{"pprof", "DIGEST_PPROF", "also serve Go's profiles under /debug/pprof/ on the metrics address"},
	{"lease", "DIGEST_LEASE", "how long a worker holds a feed it claimed before another may fetch it (default 5m; PostgreSQL)"},
}

func defaultConfig() Config {
	return Config{
		Addr:            "127.0.0.1:8080",
		Data:            "data",
		RefreshInterval: 15 * time.Minute,
		Workers:         max(16, 8*runtime.NumCPU()),
		PerHost:         4,
		LogLevel:        "info",
		Role:            "all",
	}
}

// bindConfig registers the configuration flags on fs with defaults taken
// from the environment, so that a flag overrides its variable which
// overrides the built-in default. It returns a function that validates
// and completes the config after fs.Parse.
//
// Only the flags named in shown are registered (all when shown is nil), so
// that a command's help lists what it uses; the environment is read for
// every setting.
func bindConfig(fs *flag.FlagSet, env *Env, cfg *Config, shown []string) (finish func() error) {
	*cfg = defaultConfig()
	var errs []error
	if shown != nil {
		all := fs
		fs = flag.NewFlagSet("hidden", flag.ContinueOnError)
		defer func() {
			fs.VisitAll(func(f *flag.Flag) {
				if slices.Contains(shown, f.Name) {
					all.Var(f.Value, f.Name, f.Usage)
				}
			})
		}()
	}
	str := func(p *string, name string) {
		if v := env.Getenv(envName(name)); v != "" {
			*p = v
		}
		fs.StringVar(p, name, *p, helpOf(name))
	}
	str(&cfg.Addr, "addr")
	str(&cfg.Data, "data")
	str(&cfg.Database, "database")
	str(&cfg.LogLevel, "log-level")
	str(&cfg.BaseURL, "base-url")
	str(&cfg.AuthProxyHeader, "auth-proxy-header")
	str(&cfg.User, "user")
	str(&cfg.Role, "role")
	str(&cfg.MetricsAddr, "metrics-addr")
	if v := env.Getenv("DIGEST_TRUSTED_PROXIES"); v != "" {
		ps, err := parsePrefixes(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("DIGEST_TRUSTED_PROXIES: %w", err))
		}
		cfg.TrustedProxies = ps
	}
	fs.Func("trusted-proxies", helpOf("trusted-proxies"), func(v string) error {
		ps, err := parsePrefixes(v)
		cfg.TrustedProxies = ps
		return err
	})
	if v := env.Getenv("DIGEST_REFRESH_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("DIGEST_REFRESH_INTERVAL: %w", err))
		}
		cfg.RefreshInterval = d
	}
	fs.DurationVar(&cfg.RefreshInterval, "refresh-interval", cfg.RefreshInterval, helpOf("refresh-interval"))
	if v := env.Getenv("DIGEST_LEASE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("DIGEST_LEASE: %w", err))
		}
		cfg.Lease = d
	}
	fs.DurationVar(&cfg.Lease, "lease", cfg.Lease, helpOf("lease"))
	intVar := func(p *int, name string) {
		if v := env.Getenv(envName(name)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", envName(name), err))
			}
			*p = n
		}
		fs.IntVar(p, name, *p, helpOf(name))
	}
	intVar(&cfg.Workers, "workers")
	intVar(&cfg.PerHost, "per-host")
	if v := env.Getenv("DIGEST_ALLOW_PRIVATE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("DIGEST_ALLOW_PRIVATE: %w", err))
		}
		cfg.AllowPrivate = b
	}
	fs.BoolVar(&cfg.AllowPrivate, "allow-private", cfg.AllowPrivate, helpOf("allow-private"))
	if v := env.Getenv("DIGEST_PPROF"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("DIGEST_PPROF: %w", err))
		}
		cfg.Pprof = b
	}
	fs.BoolVar(&cfg.Pprof, "pprof", cfg.Pprof, helpOf("pprof"))
	if v := env.Getenv("DIGEST_MEMORY_LIMIT"); v != "" {
		n, err := parseBytes(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("DIGEST_MEMORY_LIMIT: %w", err))
		}
		cfg.MemoryLimit = n
	}
	fs.Func("memory-limit", helpOf("memory-limit"), func(v string) error {
		n, err := parseBytes(v)
		cfg.MemoryLimit = n
		return err
	})
	if v := env.Getenv("DIGEST_INGEST_BUFFER"); v != "" {
		n, err := parseBytes(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("DIGEST_INGEST_BUFFER: %w", err))
		}
		cfg.IngestBuffer = n
	}
	fs.Func("ingest-buffer", helpOf("ingest-buffer"), func(v string) error {
		n, err := parseBytes(v)
		cfg.IngestBuffer = n
		return err
	})
	return func() error {
		if len(errs) > 0 {
			return errs[0]
		}
		return cfg.validate()
	}
}

// oneShotFlags are the settings each one-shot command uses; serve and demo
// take them all. Server-only settings (listen address, base URL, proxies,
// refresh interval) stay out of the others' help.
var oneShotFlags = map[string][]string{
	"add":     {"data", "database", "user", "allow-private", "per-host", "log-level"},
	"import":  {"data", "database", "user", "allow-private", "log-level"},
	"export":  {"data", "database", "user", "log-level"},
	"refresh": {"data", "database", "allow-private", "workers", "per-host", "memory-limit", "ingest-buffer", "log-level"},
	"fetch":   {"allow-private"},
	"user":    {"data", "database", "log-level"},
	"check":   {"data", "database", "log-level"},
}

// parseConfig parses a command's flags and environment into a Config.
// One-shot commands are quiet: they log errors only unless -v or a log
// level is given, and say what happened on stdout and stderr themselves.
func parseConfig(env *Env, name, usage string, args []string, extra func(fs *flagSet)) (Config, []string, error) {
	fs := newFlagSet(env, name, usage)
	var cfg Config
	cmd, _, _ := strings.Cut(name, " ") // "user add" is "user"
	shown, oneShot := oneShotFlags[cmd]
	finish := bindConfig(fs, env, &cfg, shown)
	vhelp := "verbose: log at debug level"
	if oneShot || cmd == "demo" {
		vhelp = "verbose: log what happens, at info level (--log-level debug for more)"
	}
	verbose := fs.Bool("v", false, vhelp)
	if f := fs.Lookup("log-level"); f != nil && oneShot && env.Getenv("DIGEST_LOG_LEVEL") == "" {
		f.DefValue = "error"
	}
	if extra != nil {
		extra(fs)
	}
	if err := parseFlags(fs, args); err != nil {
		return cfg, nil, err
	}
	if err := finish(); err != nil {
		return cfg, nil, &cliError{status: exitUsage, err: err}
	}
	if !flagGiven(args, "log-level") && env.Getenv("DIGEST_LOG_LEVEL") == "" {
		switch {
		case *verbose && oneShot, *verbose && cmd == "demo":
			cfg.LogLevel = "info"
		case *verbose:
			cfg.LogLevel = "debug"
		case oneShot:
			cfg.LogLevel = "error"
		case cmd == "demo":
			// The demo's lines on stdout say what a newcomer needs.
			cfg.LogLevel = "warn"
		}
	}
	return cfg, fs.Args(), nil
}

// parsePrefixes reads comma-separated CIDRs or single addresses.
func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address or CIDR", f)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or CIDR", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// parseBytes reads a size: a whole number of bytes with an optional unit
// B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024).
func parseBytes(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1},
	}
	num, mult := strings.TrimSpace(s), int64(1)
	for _, u := range units {
		if rest, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: want a whole number of bytes with an optional unit (B, KB, MB, GB, KiB, MiB, GiB)", s)
	}
	if n < 0 {
		return 0, fmt.Errorf("size %q is negative", s)
	}
	if n > math.MaxInt64/mult {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return n * mult, nil
}

func envName(flagName string) string {
	for _, v := range configVars {
		if v.flag == flagName {
			return v.env
		}
	}
	panic("unknown setting " + flagName) // programming error: every bound flag is in configVars
}

func helpOf(flagName string) string {
	for _, v := range configVars {
		if v.flag == flagName {
			return v.help + " (env " + v.env + ")"
		}
	}
	return ""
}

func (c *Config) validate() error {
	if c.Data == "" {
		return fmt.Errorf("config: data directory is empty")
	}
	if c.Database == "" {
		c.Database = filepath.Join(c.Data, "digest.db")
	}
	if c.IngestBuffer != 0 && (c.IngestBuffer < 64<<10 || c.IngestBuffer > 1<<30) {
		return fmt.Errorf("config: ingest-buffer must be between 64KiB and 1GiB, got %d bytes", c.IngestBuffer)
	}
	if c.Workers < 1 || c.Workers > 4096 {
		return fmt.Errorf("config: workers must be between 1 and 4096, got %d", c.Workers)
	}
	if c.PerHost < 1 || c.PerHost > 4096 {
		return fmt.Errorf("config: per-host must be between 1 and 4096, got %d", c.PerHost)
	}
	if c.RefreshInterval < time.Minute {
		return fmt.Errorf("config: refresh-interval must be at least 1m, got %s", c.RefreshInterval)
	}
	if c.Lease != 0 && (c.Lease < time.Second || c.Lease > 24*time.Hour) {
		return fmt.Errorf("config: lease must be between 1s and 24h, got %s", c.Lease)
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("config: base-url must be an http or https URL, got %q", c.BaseURL)
		}
	}
	if c.Pprof && c.MetricsAddr == "" {
		return fmt.Errorf("config: pprof needs metrics-addr: the profiles are served there")
	}
	if c.AuthProxyHeader != "" && len(c.TrustedProxies) == 0 {
		return fmt.Errorf("config: auth-proxy-header needs trusted-proxies: the header is believed only from them")
	}
	switch c.Role {
	case "all":
	case "web", "worker":
		if !postgres.IsDSN(c.Database) {
			return fmt.Errorf("config: role %s needs a PostgreSQL database (--database postgres://...): SQLite serves one process, run it with role all", c.Role)
		}
	default:
		return fmt.Errorf("config: role must be all, web or worker, got %q", c.Role)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: log-level must be debug, info, warn or error, got %q", c.LogLevel)
	}
	return nil
}
