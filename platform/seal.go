package platform

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// Sealer encrypts app secrets at rest with AES-256-GCM. The key is derived from the server
// secret (account.Secret "integrations") with HMAC-SHA256, so the raw server secret is never a
// cipher key itself and a future purpose can derive its own key from the same secret.
type Sealer struct{ aead cipher.AEAD }

// NewSealer derives the key from serverSecret (at least 32 bytes).
func NewSealer(serverSecret []byte) (*Sealer, error) {
	if len(serverSecret) < 32 {
		return nil, errors.New("platform: server secret shorter than 32 bytes")
	}
	m := hmac.New(sha256.New, serverSecret)
	m.Write([]byte("livedesk/platform/app-secret/v1"))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("platform: cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("platform: cipher: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal returns base64(nonce || ciphertext); aad binds it to its shop and platform so a sealed
// secret copied onto another row does not open.
func (s *Sealer) Seal(plain, aad string) (string, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("platform: seal: %w", err)
	}
	out := s.aead.Seal(nonce, nonce, []byte(plain), []byte(aad))
	return base64.StdEncoding.EncodeToString(out), nil
}

// Open reverses Seal.
func (s *Sealer) Open(sealed, aad string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", errors.New("platform: sealed secret is malformed")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, b[:n], b[n:], []byte(aad))
	if err != nil {
		return "", errors.New("platform: sealed secret does not open (server secret changed?)")
	}
	return string(plain), nil
}
