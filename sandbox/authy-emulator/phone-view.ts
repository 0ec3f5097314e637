/** What the phone page shows for each phone (/phone and /phone.json). */
import type { Channel } from './store';

export interface PhoneView {
  authy_id: number;
  email: string;
  country_code: string;
  /** The full national number: the phone page is the user's own phone in the sandbox. */
  phone: string;
  masked_phone: string;
  app_code: string;
  seconds_left: number;
  registered: boolean;
  account_disabled: boolean;
  /** Newest first. */
  messages: { channel: Channel; code: string; at: string }[];
  pending_approvals: { uuid: string; message: string; details: Record<string, string>; created_at: string; expires_at: string }[];
}
