package main

import (
	"context"
	"math"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestParseBytes(t *testing.T) {
	cases := []struct {
		name, in string
		want     int64
		wantErr  string
	}{
		{"plain bytes", "1048576", 1 << 20, ""},
		{"zero keeps the runtime's setting", "0", 0, ""},
		{"binary megabytes", "64MiB", 64 << 20, ""},
		{"decimal megabytes", "100MB", 100e6, ""},
		{"binary gigabytes with a space", "1 GiB", 1 << 30, ""},
		{"kibibytes", "512KiB", 512 << 10, ""},
		{"explicit bytes unit", "4096B", 4096, ""},
		{"fractions are refused", "1.5GiB", 0, "whole number"},
		{"negative sizes are refused", "-1MiB", 0, "negative"},
		{"unknown unit is refused", "64 parsecs", 0, "whole number"},
		{"empty is refused", "", 0, "whole number"},
		{"unit alone is refused", "MiB", 0, "whole number"},
		{"overflow is refused", "9223372036854775807GiB", 0, "too large"},
		{"largest int64 in bytes", "9223372036854775807", math.MaxInt64, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseBytes(c.in)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("parseBytes(%q) = %d, %v; want an error mentioning %q", c.in, got, err, c.wantErr)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("parseBytes(%q) = %d, %v; want %d", c.in, got, err, c.want)
			}
		})
	}
}

func TestMemoryLimitFlagWinsOverEnvironmentAndBadValuesAreRefused(t *testing.T) {
	env, _, _ := testEnv(map[string]string{"DIGEST_MEMORY_LIMIT": "96MiB"})
	cfg, _, err := parseConfig(env, "serve", "", nil, nil)
	if err != nil || cfg.MemoryLimit != 96<<20 {
		t.Fatalf("from the environment: limit %d, %v; want %d", cfg.MemoryLimit, err, 96<<20)
	}
	cfg, _, err = parseConfig(env, "serve", "", []string{"--memory-limit", "128MiB"}, nil)
	if err != nil || cfg.MemoryLimit != 128<<20 {
		t.Fatalf("flag over environment: limit %d, %v; want %d", cfg.MemoryLimit, err, 128<<20)
	}
	if _, _, err := parseConfig(env, "serve", "", []string{"--memory-limit", "lots"}, nil); err == nil {
		t.Fatal("bad --memory-limit accepted")
	}
	bad, _, _ := testEnv(map[string]string{"DIGEST_MEMORY_LIMIT": "lots"})
	if _, _, err := parseConfig(bad, "serve", "", nil, nil); err == nil || !strings.Contains(err.Error(), "DIGEST_MEMORY_LIMIT") {
		t.Fatalf("bad DIGEST_MEMORY_LIMIT: %v", err)
	}
}

func TestOpenAppAppliesTheMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	env, _, _ := testEnv(nil)
	cfg := defaultConfig()
	cfg.Data = t.TempDir()
	cfg.Database = filepath.Join(cfg.Data, "d.db")
	cfg.LogLevel = "warn"
	cfg.MemoryLimit = 3 << 30
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	a, err := openApp(context.Background(), cfg, env, appOptions{noPostProcess: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if got := debug.SetMemoryLimit(-1); got != 3<<30 {
		t.Fatalf("memory limit %d after openApp, want %d", got, int64(3<<30))
	}
}

func TestIngestBufferFlagWinsOverEnvironmentAndBadValuesAreRefused(t *testing.T) {
	env, _, _ := testEnv(map[string]string{"DIGEST_INGEST_BUFFER": "8MiB"})
	cfg, _, err := parseConfig(env, "serve", "", nil, nil)
	if err != nil || cfg.IngestBuffer != 8<<20 {
		t.Fatalf("from the environment: buffer %d, %v; want %d", cfg.IngestBuffer, err, 8<<20)
	}
	cfg, _, err = parseConfig(env, "serve", "", []string{"--ingest-buffer", "2MiB"}, nil)
	if err != nil || cfg.IngestBuffer != 2<<20 {
		t.Fatalf("flag over environment: buffer %d, %v; want %d", cfg.IngestBuffer, err, 2<<20)
	}
	for _, bad := range []string{"lots", "1KiB", "2GiB"} {
		if _, _, err := parseConfig(env, "serve", "", []string{"--ingest-buffer", bad}, nil); err == nil {
			t.Errorf("--ingest-buffer %s accepted", bad)
		}
	}
	badEnv, _, _ := testEnv(map[string]string{"DIGEST_INGEST_BUFFER": "lots"})
	if _, _, err := parseConfig(badEnv, "serve", "", nil, nil); err == nil || !strings.Contains(err.Error(), "DIGEST_INGEST_BUFFER") {
		t.Fatalf("bad DIGEST_INGEST_BUFFER: %v", err)
	}
	none, _, _ := testEnv(nil)
	if cfg, _, err := parseConfig(none, "serve", "", nil, nil); err != nil || cfg.IngestBuffer != 0 {
		t.Fatalf("default buffer %d, %v; want 0 (ingest's default)", cfg.IngestBuffer, err)
	}
}
