package auth

// Hashed returns how many argon2id checks s.Login has run.
func Hashed(s *Service) int64 { return s.hashed.Load() }
