package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestConllCommand(t *testing.T) {
	in := "-DOCSTART- -X- O O O\n\nEU NNP I-NP I-ORG I-ORG\nrejects VBZ I-VP O O\n\nPeter NNP I-NP I-PER I-PER\nBlackburn NNP I-NP I-PER O\n"
	p := write(t, "tagged.txt", in)
	var out bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out}
	if err := run(context.Background(), env, []string{"conll", p}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"processed 4 tokens with 2 phrases; found: 2 phrases; correct: 1.",
		"ORG          precision: 100.00%; recall: 100.00%; FB1: 100.00",
		"PER          precision:   0.00%",
		"micro(PER,LOC,ORG) precision:  50.00%; recall:  50.00%; FB1:  50.00",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// Standard input and another type set.
	out.Reset()
	env.Stdin = strings.NewReader(in)
	if err := run(context.Background(), env, []string{"conll", "-types", "ORG", "-"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "micro(ORG)   precision: 100.00%") {
		t.Errorf("-types ORG output:\n%s", out.String())
	}
}

func TestConllCommandBadInput(t *testing.T) {
	tests := []struct {
		name, stdin string
		args        []string
		wantErr     string
	}{
		{"empty input", "", nil, "no token lines"},
		{"one column", "word\n", nil, "line 1"},
		{"missing file", "", []string{"/nonexistent/tagged.txt"}, "no such file"},
		{"two files", "", []string{"a", "b"}, "at most one file"},
		{"bad flag", "", []string{"-nope"}, "not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			env := &Env{Stdin: strings.NewReader(tt.stdin), Stdout: &out, Stderr: &out}
			err := run(context.Background(), env, append([]string{"conll"}, tt.args...))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v; want one containing %q", err, tt.wantErr)
			}
		})
	}
}
