package devorg

import "net/http"

// handleDiscovery serves the OIDC discovery document (1.11): issuer is the org's own
// origin (or the login host, Assumptions.IssuerIsLoginHost) and every endpoint lives
// under the origin.
func (o *Org) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	base := o.baseFor(r)
	doc := map[string]any{
		"issuer":                                o.issuerFor(r),
		"authorization_endpoint":                base + authorizePath,
		"token_endpoint":                        base + tokenPath,
		"revocation_endpoint":                   base + revokePath,
		"userinfo_endpoint":                     base + userinfoPath,
		"jwks_uri":                              base + keysPath,
		"registration_endpoint":                 base + "/services/oauth2/register",
		"introspection_endpoint":                base + introspectPath,
		"end_session_endpoint":                  base + endSessionPath,
		"frontchannel_logout_supported":         true,
		"frontchannel_logout_session_supported": false,
		"scopes_supported": []string{"id", "api", "web", "full", "openid", "refresh_token", "offline_access",
			"profile", "email", "address", "phone", "interaction_api", "chatbot_api", "sfap_api",
			"einstein_gpt_api", "lightning", "visualforce", "content", "custom_permissions"},
		"response_types_supported":              []string{"code", "token", "token id_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"display_values_supported":              []string{"page", "popup", "touch", "mobile"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic", "private_key_jwt"},
		"code_challenge_methods_supported":      []string{"S256"},
		"claims_supported": []string{"active", "address", "email", "email_verified", "family_name", "given_name",
			"is_app_installed", "language", "locale", "name", "nickname", "organization_id", "phone_number",
			"phone_number_verified", "photos", "picture", "preferred_username", "profile", "sub", "updated_at",
			"urls", "user_id", "user_type", "zoneinfo"},
	}
	if o.cfg.NoEndSession {
		delete(doc, "end_session_endpoint")
	}
	writeJSON(w, http.StatusOK, doc)
}
