import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The call log (calls) loses its foreign keys to contracts and apps.
 *
 * Dropping a month past retention drops a table, and dropping a table with a foreign key takes an
 * exclusive lock on the table it references, to remove that key's triggers there. Every gateway
 * call reads contracts, so while the drop waited for that lock (behind any transaction that had
 * read a contract) every call queued behind it: bench:scale saw the gateway stop for a second and
 * refuse calls with 503. The keys checked nothing the ledger does not already hold: it writes the
 * contract and app IDs of the contract and app it has just read, contracts are never deleted and
 * apps only marked deleted. Each write-ahead also skips two key look-ups per call.
 *
 * The constraints are found by type, not by name: their names depend on how the table was built.
 */
export class DropCallLogForeignKeys1764190000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      DECLARE c text;
      BEGIN
        FOR c IN SELECT conname FROM pg_constraint WHERE conrelid = 'calls'::regclass AND contype = 'f' LOOP
          EXECUTE format('ALTER TABLE calls DROP CONSTRAINT %I', c);
        END LOOP;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'ALTER TABLE calls ADD FOREIGN KEY (contract_id) REFERENCES contracts (id), ADD FOREIGN KEY (app_id) REFERENCES apps (id)',
    );
  }
}
