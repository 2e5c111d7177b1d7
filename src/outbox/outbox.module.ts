import { Module } from '@nestjs/common';
import { MailTransport } from './mail.transport';
import { OutboxRepository } from './outbox.repository';
import { OutboxScheduler } from './outbox.scheduler';
import { OutboxService } from './outbox.service';
import { HostResolver } from './host-resolver';
import { WebhookTargetPolicy } from './webhook-target';
import { WebhookTransport } from './webhook.transport';

@Module({
  providers: [
    OutboxRepository,
    OutboxService,
    OutboxScheduler,
    MailTransport,
    WebhookTransport,
    HostResolver,
    WebhookTargetPolicy,
  ],
  exports: [OutboxService, WebhookTargetPolicy],
})
export class OutboxModule {}
