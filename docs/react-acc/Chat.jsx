// Chat.jsx — Salesforce's React ACC template on your own domain, behind logateway.
//
// The template fetches /__lo/frontdoor only when location.hostname is "localhost";
// anywhere else it embeds with salesforceOrigin = window.location.origin, which only
// works for an app hosted inside Salesforce. Behind logateway, fetch the frontdoor URL
// from the gateway yourself and pass it to the template's component as frontdoorUrl.
// index.html + chat.js beside this file do the same without React (a test loads them).
import { useEffect, useState } from "react";
import AgentforceConversationClient from "./components/AgentforceConversationClient"; // the template's component

export default function Chat({ agentId }) {
  const [frontdoorUrl, setFrontdoorUrl] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    let live = true;
    fetch("/__lo/frontdoor", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(async (r) => {
        const body = await r.json().catch(() => ({}));
        if (r.status === 401 && body.loginUrl) {
          // Not signed in (NO_ORG_FOUND) or the org ended the session: sign in, come back here.
          location.assign(body.loginUrl + "?rd=" + encodeURIComponent(location.pathname + location.search));
          return;
        }
        if (!r.ok) throw new Error(body.message || "frontdoor: HTTP " + r.status);
        if (live) setFrontdoorUrl(body.frontdoorUrl); // single-use and short-lived: never cache it
      })
      .catch((e) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, []);

  if (error) return <p role="alert">{error}</p>;
  if (!frontdoorUrl) return null;
  return <AgentforceConversationClient frontdoorUrl={frontdoorUrl} agentId={agentId} />;
}
