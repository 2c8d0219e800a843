package auth

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
)

// NewSecret returns a random secret of 160 bits, in lower-case base32 (32
// characters, no padding): easy to copy, safe in URLs, headers and forms.
func NewSecret() string {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic("auth: no randomness: " + err.Error()) // crypto/rand does not fail on supported systems
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// HashSecret returns the hex SHA-256 of a server-generated secret, as the
// store keeps it. Secrets are random and long, so a fast hash is enough;
// a stolen database gives no usable secret.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// FeverKey returns the key a Fever client sends for name and password:
// the hex md5 of "name:password".
func FeverKey(name, password string) string {
	sum := md5.Sum([]byte(name + ":" + password))
	return hex.EncodeToString(sum[:])
}
