import { EspError } from "../shared/esp-error.js";
import { withScopeHints } from "./catalog-sync.js";
import type { KlaviyoCall } from "./klaviyo-call.js";

/**
 * Asks Klaviyo to delete a person (POST /api/data-privacy-deletion-jobs; the deletion runs later, on
 * Klaviyo's side). K-SPEC DataPrivacyCreateDeletionJobQuery takes exactly one identifier: the profile
 * id when Tailor has it, as it names exactly this profile, else the email, which deletes every
 * profile with it. A profile Klaviyo no longer has (404) counts as deleted. A 403 throws an auth
 * EspError naming the data-privacy:write scope.
 */
export async function requestDeletion(call: KlaviyoCall, contact: { readonly espId: string; readonly email?: string }): Promise<void> {
  const profile =
    contact.espId !== ""
      ? { type: "profile" as const, id: contact.espId, attributes: {} }
      : contact.email !== undefined && contact.email !== ""
        ? { type: "profile" as const, attributes: { email: contact.email } }
        : null;
  if (profile === null) throw new RangeError("A deletion request needs the Klaviyo profile id or an email");
  const body = { data: { type: "data-privacy-deletion-job" as const, attributes: { profile: { data: profile } } } };
  try {
    // The `what` never carries the email: error messages end up in logs and run reports.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- the SDK documents plain objects for its codegen body classes
    await withScopeHints(call)("request_profile_deletion", "request profile deletion", (apis) => apis.dataPrivacy.requestProfileDeletion(body));
  } catch (error) {
    if (error instanceof EspError && error.status === 404) return;
    throw error;
  }
}
