package web

import (
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
)

func TestReadyzAndWarmingNotice(t *testing.T) {
	fx := newFixture(t)
	var warm atomic.Bool
	fx.server.cfg.Warming = func() []Warmup {
		if warm.Load() {
			return nil
		}
		return []Warmup{{Name: "stories", Done: 1200, Total: 114000}}
	}

	w := fx.do(t, "GET", "/readyz", "")
	if w.Code != 503 {
		t.Fatalf("GET /readyz while warming = %d, want 503", w.Code)
	}
	var body struct {
		Ready   bool     `json:"ready"`
		Warming []Warmup `json:"warming"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("readyz body %q: %v", w.Body.String(), err)
	}
	if body.Ready || len(body.Warming) != 1 || body.Warming[0] != (Warmup{Name: "stories", Done: 1200, Total: 114000}) {
		t.Errorf("readyz body while warming = %+v", body)
	}
	if w := fx.do(t, "GET", "/healthz", ""); w.Code != 200 {
		t.Errorf("GET /healthz while warming = %d, want 200", w.Code)
	}
	if w := fx.do(t, "GET", "/", ""); w.Code != 200 || !strings.Contains(w.Body.String(), "Stories are warming up (1200 of 114000 articles)") {
		t.Errorf("the river while warming = %d, without the notice", w.Code)
	}

	warm.Store(true)
	w = fx.do(t, "GET", "/readyz", "")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"ready":true`) {
		t.Errorf("GET /readyz once warm = %d %q, want 200 ready", w.Code, w.Body.String())
	}
	if w := fx.do(t, "GET", "/", ""); strings.Contains(w.Body.String(), "warming up") {
		t.Errorf("the river once warm still shows the notice")
	}
}
