import React, { useState } from "react";
import { Button, Flex, Link, Text, hubspot, useExtensionActions } from "@hubspot/ui-extensions";

// The one Tailor host in this project: replace it with your PUBLIC_URL everywhere (see extensions/hubspot/README.md).
const TAILOR_URL = "https://tailor.example.com";

hubspot.extend<"settings">(() => <TailorSettings />);

/**
 * Tailor's settings live in its own panel, one per installation. hubspot.fetch signs the request
 * (X-HubSpot-Signature-v3 with the app's client secret) and adds the portal and user to its query,
 * so Tailor's /hubspot/panel-link knows which installation and who, and answers a one-click
 * sign-in link valid for two minutes. The panel then opens in HubSpot's iframe modal (its CSP
 * lets *.hubspot.com frame it), or in a new tab.
 */
function TailorSettings(): React.ReactElement {
  const actions = useExtensionActions<"settings">();
  const [link, setLink] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const open = async () => {
    setProblem(null);
    try {
      const response = await hubspot.fetch(`${TAILOR_URL}/hubspot/panel-link`, { method: "POST", body: {} });
      if (!response.ok) throw new Error(response.status === 404 ? "Tailor is not installed in this account yet." : `Tailor answered ${response.status}.`);
      const { url } = (await response.json()) as { url: string };
      setLink(url);
      actions.openIframeModal({ uri: url, title: "Tailor settings", width: 1280, height: 900, flush: true });
    } catch (error) {
      setProblem(error instanceof Error ? error.message : "Tailor could not be reached.");
    }
  };

  return (
    <Flex direction="column" gap="small">
      <Text>
        Guardrails, segments, recommendation slots and holdouts for this HubSpot account are set in Tailor's panel,
        next to contact previews, segment spot checks and the lift report.
      </Text>
      <Button variant="primary" onClick={() => void open()}>Open Tailor settings</Button>
      {link !== null && <Link href={link}>Open in a new tab instead (the link works for two minutes)</Link>}
      {problem !== null && <Text variant="microcopy">{problem}</Text>}
    </Flex>
  );
}
