// Package salesforce is the gateway's client for the org endpoints it calls
// server-side: revoke, introspect, userinfo, the UI Bridge API (frontdoor URLs),
// and the token endpoint for the JWT bearer and client credentials grants. The
// authorization-code exchange and refresh run through golang.org/x/oauth2; this
// package reads Salesforce's extra response fields from those tokens
// (TokenFromOAuth2), verifies their signature, and turns Salesforce's error
// answers — JSON, bare words or x/oauth2 RetrieveErrors — into *Error values
// that say what an admin must change (Error.Hint).
//
// It also signs JWT bearer assertions (go-jose, RS256), caches service tokens
// (NewJWTSource, NewClientCredentialsSource) and makes and loads the key pair
// whose certificate is uploaded to the External Client App.
//
// Protocol facts follow docs/salesforce.md sections 1, 2 and 5.
// Nothing here prints a secret: Client and Token redact themselves for fmt and
// slog, and error strings carry only endpoint, status, code and description.
package salesforce
