import type { Readable } from 'node:stream';

export interface EmailPayload {
  to: string[];
  subject: string;
  text: string;
  html?: string;
  /** A stream for content too large to hold in memory (a period's handle roster). */
  attachments?: { filename: string; content: string | Readable; contentType: string }[];
}

/**
 * An email rendered when it is delivered, from what the row names: a monthly report's roster can
 * be a million rows, too much for a jsonb payload. The inputs are immutable (a statement and its
 * frozen handle set), so every attempt renders the same message.
 */
export interface DeferredEmailPayload {
  to: string[];
  render: ReportRef;
}

export interface ReportRef {
  kind: 'report';
  contractId: string;
  periodKey: string;
  /** ISO instant: the statement's key together with the contract */
  periodStart: string;
}

/** Turns a deferred email into the message to send; registered by the module that owns the content. */
export type EmailRenderer = (ref: ReportRef, to: string[]) => Promise<EmailPayload>;

/** Slack-compatible: an incoming webhook shows `text`; other receivers read the rest. */
export interface WebhookPayload {
  text: string;
  [key: string]: unknown;
}

export type OutboxMessage =
  | { channel: 'email'; target: string; payload: EmailPayload | DeferredEmailPayload }
  /** `target` is only the URL's hint (`https://host/…abcd`): the URL is a credential, so the row keeps it sealed in `sealedTarget`. */
  | { channel: 'webhook'; target: string; sealedTarget: string; payload: WebhookPayload };

export interface NewOutboxRow {
  contractId: string;
  alertId: string | null;
  kind: 'alert' | 'report';
  /** Makes "never queued twice" a database fact (e.g. `alert:<id>:email`). */
  dedupeKey: string;
  message: OutboxMessage;
}

export interface ClaimedRow {
  id: string;
  channel: 'email' | 'webhook';
  target: string;
  /** The webhook URL, SecretBox-sealed; null for email. */
  target_enc: string | null;
  payload: EmailPayload | DeferredEmailPayload | WebhookPayload;
  attempts: number;
}
