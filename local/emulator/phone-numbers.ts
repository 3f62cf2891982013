/**
 * Telephone numbers as the emulator keys them: E.164 with its leading '+'. Requests and seeds may leave
 * the '+' out; every lookup goes through normalizeE164 first, so '12065550100' and '+12065550100' are the
 * same number.
 */

/** The '+'-prefixed E.164 form of a number (or of the start of one: a search prefix) given with or without its '+'. */
export function normalizeE164(phoneNumber: string): string {
  return phoneNumber.startsWith('+') ? phoneNumber : `+${phoneNumber}`;
}

/** Whether two spellings name the same number. */
export function sameNumber(a: string, b: string): boolean {
  return normalizeE164(a) === normalizeE164(b);
}

const TOLL_FREE_US = /^\+1(800|833|844|855|866|877|888)/;

/** The country the emulator reports for a number: GB for +44, US otherwise (the seeds use only these). */
export function countryOf(e164: string): string {
  return e164.startsWith('+44') ? 'GB' : 'US';
}

/** Chime SDK Voice's number Type: toll-free for the US toll-free prefixes, local otherwise. */
export function chimeNumberType(e164: string): 'TollFree' | 'Local' {
  return TOLL_FREE_US.test(e164) ? 'TollFree' : 'Local';
}
