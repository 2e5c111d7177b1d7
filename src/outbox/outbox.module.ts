import { Module } from '@nestjs/common';
import { MailTransport } from './mail.transport';
import { OutboxRepository } from './outbox.repository';
import { OutboxScheduler } from './outbox.scheduler';
import { OutboxService } from './outbox.service';
import { WebhookTransport } from './webhook.transport';

@Module({
  providers: [OutboxRepository, OutboxService, OutboxScheduler, MailTransport, WebhookTransport],
  exports: [OutboxRepository, OutboxService],
})
export class OutboxModule {}
