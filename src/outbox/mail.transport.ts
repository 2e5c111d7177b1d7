import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import * as nodemailer from 'nodemailer';
import { APP_CONFIG, AppConfig, redactUrl } from '../config/app-config';
import { EmailPayload } from './outbox.types';

/** Sends email over SMTP_URL; without it, logs the message instead (the contract's development behaviour). */
@Injectable()
export class MailTransport implements OnApplicationShutdown {
  private readonly logger = new Logger('Mail');
  private readonly transporter: nodemailer.Transporter | null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.transporter = config.smtpUrl ? nodemailer.createTransport(config.smtpUrl) : null;
  }

  /** `id` becomes the Message-ID, so a message retried after a crash mid-send can be recognised as the same one. */
  async send(id: string, mail: EmailPayload): Promise<'sent' | 'logged'> {
    if (!this.transporter) {
      this.logger.log(`SMTP_URL unset, not sending: to ${mail.to.join(', ')}: ${mail.subject}`);
      return 'logged';
    }
    await this.transporter.sendMail({
      from: this.config.mailFrom,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: `<${id}@handlemeter>`,
      attachments: mail.attachments,
    });
    return 'sent';
  }

  describe(): string {
    return this.config.smtpUrl ? redactUrl(this.config.smtpUrl) : 'log only';
  }

  onApplicationShutdown(): void {
    this.transporter?.close();
  }
}
