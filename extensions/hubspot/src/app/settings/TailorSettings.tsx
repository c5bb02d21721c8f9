import React from "react";
import { Flex, Link, Text, hubspot, useExtensionContext } from "@hubspot/ui-extensions";

// The one Tailor host in this project: replace it with your PUBLIC_URL everywhere (see extensions/hubspot/README.md).
const TAILOR_URL = "https://tailor.example.com";

hubspot.extend<"settings">(() => <TailorSettings />);

/** Tailor's settings live in its own panel, one per installation; this page opens the one for this account. */
function TailorSettings(): React.ReactElement {
  const { portal } = useExtensionContext<"settings">();
  const panelUrl = `${TAILOR_URL}/installations/hubspot-${String(portal.id)}`;
  return (
    <Flex direction="column" gap="small">
      <Text>
        Guardrails, segments, recommendation slots and holdouts for this HubSpot account are set in Tailor's panel,
        next to the lift report and each segment's sample contacts.
      </Text>
      <Link href={panelUrl}>Open Tailor settings</Link>
    </Flex>
  );
}
