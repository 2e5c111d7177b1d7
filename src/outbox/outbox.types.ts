export interface EmailPayload {
  to: string[];
  subject: string;
  text: string;
  html?: string;
  attachments?: { filename: string; content: string; contentType: string }[];
}

/** Slack-compatible: an incoming webhook shows `text`; other receivers read the rest. */
export interface WebhookPayload {
  text: string;
  [key: string]: unknown;
}

export type OutboxMessage =
  | { channel: 'email'; target: string; payload: EmailPayload }
  | { channel: 'webhook'; target: string; payload: WebhookPayload };

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
  payload: EmailPayload | WebhookPayload;
  attempts: number;
}
