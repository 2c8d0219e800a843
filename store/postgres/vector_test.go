package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/occasional-digest/digest/internal/pgtest"
)

// TestSearchVectorIsSearchDocument checks that the binary tsvector
// SaveFetches sends is, as the server reads it, the one the text form
// makes: same lexemes, positions and title weights, also past the
// limits on positions and on lexemes per word.
func TestSearchVectorIsSearchDocument(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	long := strings.Repeat("zeta alpha beta ", 6000) // > 16,383 positions, > 256 per word
	docs := []struct{ name, title, summary, text string }{
		{"words in title, summary and text", "Port Alder's mayor resigns", "The mayor of Port Alder resigned.", "Running runners ran; the mayor's office said so."},
		{"empty", "", "", ""},
		{"diacritics and digits", "Café COVID-19 über", "", "naïve 2026 año"},
		{"a word repeated past the limits", "alpha", "", long},
	}
	for _, d := range docs {
		t.Run(d.name, func(t *testing.T) {
			var fromText, fromBinary string
			err := conn.QueryRow(ctx, `SELECT CAST(CAST($1 AS tsvector) AS text), CAST($2::tsvector AS text)`,
				searchDocument(d.title, d.summary, d.text), searchVector(d.title, d.summary, d.text)).Scan(&fromText, &fromBinary)
			if err != nil {
				t.Fatal(err)
			}
			if fromText != fromBinary {
				t.Fatalf("binary tsvector differs from the text form:\n text   %.300s\n binary %.300s", fromText, fromBinary)
			}
		})
	}
}
