package fakeazure

import (
	"fmt"
	"net/http"
	"time"
)

// aadError builds an error answer shaped like Entra ID's: an OAuth error
// code, an AADSTS-prefixed description ending in the trace and
// correlation ids, and error_codes. Clients match on the AADSTS number,
// so the numbers are the real ones for each situation.
func (e *Entra) aadError(r *http.Request, status int, oauthCode string, aadsts int, msg string) reply {
	now := time.Now().UTC()
	trace := randomID()
	corr := r.Header.Get("client-request-id")
	if corr == "" {
		corr = randomID()
	}
	ts := now.Format("2006-01-02 15:04:05Z")
	return jsonReply(status, map[string]any{
		"error": oauthCode,
		"error_description": fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s",
			aadsts, msg, trace, corr, ts),
		"error_codes":    []int{aadsts},
		"timestamp":      ts,
		"trace_id":       trace,
		"correlation_id": corr,
		"error_uri":      fmt.Sprintf("%s/error?code=%d", e.URL(), aadsts),
	})
}

// injectedError is the answer to a fault that sets an error Status
// without a Body.
func (e *Entra) injectedError(r *http.Request, _ string, status int) reply {
	code := "server_error"
	switch {
	case status == http.StatusUnauthorized:
		code = "invalid_client"
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		code = "temporarily_unavailable"
	case status < 500:
		code = "invalid_request"
	}
	return e.aadError(r, status, code, 50000,
		fmt.Sprintf("There was an error issuing a token or an issue with our sign-in service. fakeazure answered HTTP %d.", status))
}

func (e *Entra) errUnknownTenant(r *http.Request, tenant string) reply {
	return e.aadError(r, http.StatusBadRequest, "invalid_request", 90002,
		fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", tenant))
}

func (e *Entra) errMissingParam(r *http.Request, name string) reply {
	return e.aadError(r, http.StatusBadRequest, "invalid_request", 900144,
		fmt.Sprintf("The request body must contain the following parameter: '%s'.", name))
}

func (e *Entra) errUnknownApp(r *http.Request, clientID, tenant string) reply {
	return e.aadError(r, http.StatusBadRequest, "unauthorized_client", 700016,
		fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, tenant))
}

func (e *Entra) errBadSecret(r *http.Request, clientID string) reply {
	return e.aadError(r, http.StatusUnauthorized, "invalid_client", 7000215,
		fmt.Sprintf("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", clientID))
}

func (e *Entra) errNoCredential(r *http.Request) reply {
	return e.aadError(r, http.StatusUnauthorized, "invalid_client", 7000218,
		"The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
}

func (e *Entra) errBadAssertion(r *http.Request, aadsts int, msg string) reply {
	return e.aadError(r, http.StatusUnauthorized, "invalid_client", aadsts, msg)
}

func (e *Entra) errBadPassword(r *http.Request) reply {
	return e.aadError(r, http.StatusBadRequest, "invalid_grant", 50126,
		"Error validating credentials due to invalid username or password.")
}

func (e *Entra) errUnknownUser(r *http.Request, tenant string) reply {
	return e.aadError(r, http.StatusBadRequest, "invalid_grant", 50034,
		fmt.Sprintf("The user account {EUII Hidden} does not exist in the %s directory. To sign into this application, the account must be added to the directory.", tenant))
}

func (e *Entra) errBadRefreshToken(r *http.Request) reply {
	return e.aadError(r, http.StatusBadRequest, "invalid_grant", 9002313,
		"Invalid request. Request is malformed or invalid.")
}

func (e *Entra) errGrantType(r *http.Request, grant string) reply {
	return e.aadError(r, http.StatusBadRequest, "unsupported_grant_type", 70003,
		fmt.Sprintf("The app requested an unsupported grant type '%s'.", grant))
}

func (e *Entra) errScopeNotDefault(r *http.Request, scope string) reply {
	return e.aadError(r, http.StatusBadRequest, "invalid_scope", 1002012,
		fmt.Sprintf("The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", scope))
}
