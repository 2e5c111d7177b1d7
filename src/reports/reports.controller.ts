import { Controller, Get, Param, Query, StreamableFile } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { Public } from '../auth/roles.decorator';
import { UnauthenticatedError } from '../common/errors';
import { UuidParam } from '../common/uuid-param';
import { UsageService } from '../usage/usage.service';
import { ReportLinks } from './report-links';

/** The download a monthly report links to when its handle CSV is too large to attach. */
@ApiExcludeController()
@Controller('reports')
export class ReportsController {
  constructor(
    private readonly links: ReportLinks,
    private readonly usage: UsageService,
  ) {}

  /** No API key: the link's signature is the credential, for this one file until it expires. */
  @Public()
  @Get(':contractId/:period/handles.csv.gz')
  async download(
    @UuidParam('contractId', 'Contract') contractId: string,
    @Param('period') periodKey: string,
    @Query('expires') expires: string | undefined,
    @Query('signature') signature: string | undefined,
  ): Promise<StreamableFile> {
    if (
      !/^\d{1,12}$/.test(expires ?? '') ||
      !signature ||
      !this.links.verify({ contractId, periodKey, expires: Number(expires) }, signature)
    ) {
      throw new UnauthenticatedError(
        'This download link is not valid or has expired: use the dashboard, or the API with a key (GET /contracts/:id/periods/:period/handles?format=csv).',
      );
    }
    const csv = await this.usage.rosterCsv(contractId, periodKey);
    return new StreamableFile(Readable.from(csv.lines).pipe(zlib.createGzip()), {
      type: 'application/gzip',
      disposition: `attachment; filename="${csv.filename}.gz"`,
    });
  }
}
