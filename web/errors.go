package web

import (
	"errors"
	"net/http"

	digest "github.com/occasional-digest/digest"
)

// Codes the web adds to digest's for failures that only exist at the HTTP
// edge.
const (
	EFORBIDDEN = digest.EFORBIDDEN // cross-origin request refused, or not an admin
	ETOOLARGE  = "too_large"       // request body over the limit
	EMETHOD    = "method_not_allowed"
	// EMISDIRECTED: the request names a host this server does not answer
	// for (see hostPolicy).
	EMISDIRECTED = "misdirected"
)

// httpStatus maps an error to its HTTP status. It is the one place where
// application error codes become status codes.
//
// EREFUSED is 422: the request is well formed and understood, but a policy
// (e.g. no private addresses) refuses to act on it; 403 would suggest the
// caller lacks a permission it could obtain.
func httpStatus(err error) int {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	switch errorCode(err) {
	case digest.ENOTFOUND:
		return http.StatusNotFound
	case digest.EINVALID:
		return http.StatusBadRequest
	case digest.ECONFLICT:
		return http.StatusConflict
	case digest.EREFUSED:
		return http.StatusUnprocessableEntity
	case digest.EUPSTREAM:
		return http.StatusBadGateway
	case EFORBIDDEN:
		return http.StatusForbidden
	case digest.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case digest.ETHROTTLED:
		return http.StatusTooManyRequests
	case ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case EMETHOD:
		return http.StatusMethodNotAllowed
	case EMISDIRECTED:
		return http.StatusMisdirectedRequest
	default:
		return http.StatusInternalServerError
	}
}

// errorCode is digest.ErrorCode, also recognising an oversized body.
func errorCode(err error) string {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return ETOOLARGE
	}
	return digest.ErrorCode(err)
}

// errorMessage is the user-facing text of err; internal errors never show
// their cause.
func errorMessage(err error) string {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return "request body too large"
	}
	return digest.ErrorMessage(err)
}

// logError logs err where it ends: only server-side failures, since client
// mistakes are answered, not logged. Only the path is logged, never the
// query, headers or body.
func (s *Server) logError(r *http.Request, err error) {
	if httpStatus(err) < 500 {
		return
	}
	digest.LogRequestFailure(s.logger, r, err)
}
