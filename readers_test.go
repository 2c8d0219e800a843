package digest_test

import (
	"testing"

	digest "github.com/occasional-digest/digest"
)

func TestReadersCountRequestsInAndOut(t *testing.T) {
	var r digest.Readers
	if r.Busy() {
		t.Fatal("a new Readers is busy")
	}
	select {
	case <-r.Idle():
	default:
		t.Fatal("Idle of a Readers serving nobody is not closed")
	}
	leave1 := r.Enter()
	leave2 := r.Enter()
	idle := r.Idle()
	if !r.Busy() {
		t.Fatal("not busy with two requests in")
	}
	leave1()
	leave1() // counted out once
	select {
	case <-idle:
		t.Fatal("idle with a request still in")
	default:
	}
	if !r.Busy() {
		t.Fatal("a second leave of one request counted another out")
	}
	leave2()
	select {
	case <-idle:
	default:
		t.Fatal("Idle's channel not closed once the last request left")
	}
	if r.Busy() {
		t.Fatal("busy with every request out")
	}
	// A new request makes a new channel: the closed one stays closed.
	leave3 := r.Enter()
	if idle2 := r.Idle(); idle2 == idle {
		t.Fatal("Idle returned the closed channel while busy")
	}
	leave3()
}

func TestNilReadersAreNeverBusy(t *testing.T) {
	var r *digest.Readers
	r.Enter()()
	if r.Busy() {
		t.Fatal("nil Readers busy")
	}
	<-r.Idle()
}
