// Package config reads, completes and checks the gateway configuration.
//
// A configuration is one YAML file (named by --config or LOGATEWAY_CONFIG) whose keys map
// one-to-one onto the types in schema.go. Secrets never have to be in that file: client
// secrets, session keys and the Redis password come from environment variables or files,
// and Load resolves them into the yaml:"-" fields (ECA.Secret, IdP.Secret, Session.Keys,
// Redis.Password, Signin.JWT.Key). Load reports every problem at once, each naming its key
// path, line and fix, so an admin fixes a file in one pass instead of one error per start.
// Checklist prints what the admin must enter in Salesforce Setup for each site.
package config

// A key is declared once, as a field of schema.go: its yaml tag names it, its comment
// explains it, and its default, derived and oneof tags (see Key) give the default
// Normalize applies, the values Validate accepts and what the reference prints. Adding
// a key is that field, plus a rule in a validate_*.go file when it needs more than a
// oneof, plus go generate: the configuration reference, docs/configuration.md, is
// generated from schema.go, and a test fails when it is stale.
//go:generate go run ../internal/configref/gen -config . -o ../docs/configuration.md
