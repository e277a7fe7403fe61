package testidp

import (
	"context"
	"fmt"
	"strings"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// userStore gives the example storage our users. It keeps our User beside
// the example's so the claims the example cannot express (a
// preferred_username that differs from the login name, a one-piece name)
// can be put right after the example fills them in.
type userStore struct {
	byID  map[string]*storage.User
	ours  map[string]User
	order []string
}

func newStore(users []User) *userStore {
	s := &userStore{byID: map[string]*storage.User{}, ours: map[string]User{}}
	for i, u := range users {
		id := fmt.Sprintf("user-%d", i+1)
		s.byID[id] = &storage.User{
			ID:                id,
			Username:          u.Username,
			Password:          u.Password,
			FirstName:         u.Name,
			Email:             u.Email,
			EmailVerified:     u.Email != "",
			PreferredLanguage: language.English,
		}
		s.ours[id] = u
		s.order = append(s.order, id)
	}
	return s
}

func (s *userStore) GetUserByID(id string) *storage.User { return s.byID[id] }

func (s *userStore) GetUserByUsername(username string) *storage.User {
	for _, id := range s.order {
		if s.byID[id].Username == username {
			return s.byID[id]
		}
	}
	return nil
}

// ExampleClientID names the example's service account for its JWT profile
// grant, which the gateway does not use; a name no test client has keeps it inert.
func (s *userStore) ExampleClientID() string { return "testidp-unused-service" }

// idpStorage is the example's in-memory storage with two adjustments: user
// claims as our User says, and id_tokens that carry the profile and email
// claims (as Okta, Entra and Keycloak do by default) rather than only sub.
type idpStorage struct {
	*storage.Storage
	users *userStore
}

func (s *idpStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return claimsInIDToken{c}, nil
}

type claimsInIDToken struct{ op.Client }

func (claimsInIDToken) IDTokenUserinfoClaimsAssertion() bool { return true }

func (s *idpStorage) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, ui, req, scopes); err != nil {
		return err
	}
	s.fix(ui, req.GetSubject(), scopes)
	return nil
}

func (s *idpStorage) SetUserinfoFromScopes(ctx context.Context, ui *oidc.UserInfo, userID, clientID string, scopes []string) error {
	if err := s.Storage.SetUserinfoFromScopes(ctx, ui, userID, clientID, scopes); err != nil {
		return err
	}
	s.fix(ui, userID, scopes)
	return nil
}

func (s *idpStorage) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, ui, tokenID, subject, origin); err != nil {
		return err
	}
	s.fix(ui, ui.Subject, nil)
	return nil
}

// fix replaces the example's "First Last" name and login-name
// preferred_username with our User's values where the profile scope asked for them.
func (s *idpStorage) fix(ui *oidc.UserInfo, userID string, scopes []string) {
	u, ok := s.users.ours[userID]
	if !ok || (scopes != nil && !contains(scopes, oidc.ScopeProfile)) || (scopes == nil && ui.Name == "" && ui.PreferredUsername == "") {
		return
	}
	ui.Name = u.Name
	ui.GivenName, ui.FamilyName = splitName(u.Name)
	ui.PreferredUsername = u.Username
	if u.PreferredUsername != "" {
		ui.PreferredUsername = u.PreferredUsername
	}
}

func splitName(name string) (given, family string) {
	i := strings.LastIndexByte(name, ' ')
	if i < 0 {
		return name, ""
	}
	return name[:i], name[i+1:]
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
