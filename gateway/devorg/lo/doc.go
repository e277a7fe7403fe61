// Package lo is the emulated org's stand-in for the Salesforce browser side of
// Lightning Out 2.0 and the Agentforce Conversation Client (ACC): the
// lightning.out.latest library, the hidden authentication page, the LWR
// container pages that render components in iframes, a canned agent that answers
// chat messages, and the ACC Web SDK stand-in (embedAgentforceClient).
//
// It follows docs/salesforce.md sections 3 and 4 (and what section 6 asks of
// the emulated org) closely enough that a gateway tested against it fails in the same
// places a real org would: an untrusted host origin is refused by frame-ancestors,
// a missing or expired org session leaves the host waiting until its
// lo.application.error, and an expired session visibly breaks the chat until the
// host sets a fresh frontdoor-url.
//
// The package imports nothing from the gateway or the devorg core: the org
// session, the trusted domains and the Lightning Out app registry arrive through
// Options, so the stand-in cannot share the gateway's assumptions.
package lo
