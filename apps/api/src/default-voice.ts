import type { VoiceInfo } from "@voxqueue/contracts";
import type { Logger } from "@voxqueue/telemetry";

/** What {@link DefaultVoiceWatch} reads: the voice catalog, sorted by id (FleetRegistry has it). */
export interface VoiceCatalog {
  voices(maxAgeMs: number): Promise<VoiceInfo[]>;
}

/**
 * The voice a request without `voice` gets, as `pickVoice` decides it: `DEFAULT_VOICE`
 * when set, else the first installed voice by id; `undefined` while none is installed.
 */
export function defaultVoiceOf(voices: readonly VoiceInfo[], configured: string | undefined): string | undefined {
  return configured ?? voices[0]?.id;
}

/**
 * Says which voice requests without `voice` get, so that it never changes silently:
 * logs it once the catalog has voices, warns when `DEFAULT_VOICE` is unset and several
 * voices are installed (the first by id wins, and a voice added later that sorts first
 * takes over), warns whenever that choice changes, and warns when `DEFAULT_VOICE` names
 * a voice no worker has. Reads the catalog at start and every `intervalMs`; a failed read
 * (Redis away) is skipped.
 */
export class DefaultVoiceWatch {
  private timer: NodeJS.Timeout | undefined;
  /** The last state logged: default voice id and the installed ids, joined. */
  private last: { voice: string | undefined; ids: string } | undefined;

  constructor(
    private readonly catalog: VoiceCatalog,
    private readonly opts: { defaultVoice: string | undefined; catalogMaxAgeMs: number; logger: Logger; intervalMs?: number },
  ) {}

  /** Checks now and then periodically (the timer does not keep the process alive). */
  start(): this {
    void this.check();
    this.timer = setInterval(() => void this.check(), this.opts.intervalMs ?? 10_000).unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Reads the catalog once and logs what changed since the last read. */
  async check(): Promise<void> {
    let voices: VoiceInfo[];
    try {
      voices = await this.catalog.voices(this.opts.catalogMaxAgeMs);
    } catch {
      return; // Redis is away: its outage is logged elsewhere
    }
    if (voices.length === 0) return; // no worker yet: nothing to say
    const { defaultVoice: configured, logger } = this.opts;
    const voice = defaultVoiceOf(voices, configured);
    const ids = voices.map((v) => v.id);
    const previous = this.last;
    if (previous && previous.voice === voice && previous.ids === ids.join(",")) return;
    this.last = { voice, ids: ids.join(",") };
    const fields = { default_voice: voice, voices: ids };
    if (configured !== undefined) {
      if (!ids.includes(configured))
        logger.warn(fields, `DEFAULT_VOICE "${configured}" is not installed on any worker: requests without a voice get 503 until it is`);
      else if (!previous) logger.info(fields, `default voice: ${configured} (DEFAULT_VOICE)`);
      return;
    }
    if (previous && previous.voice !== voice) {
      logger.warn(
        { ...fields, previous_default_voice: previous.voice },
        `the default voice changed from ${previous.voice} to ${voice} (DEFAULT_VOICE is unset and ${voice} now sorts first): set DEFAULT_VOICE to choose one`,
      );
    } else if (ids.length > 1 && (!previous || previous.ids.split(",").length <= 1)) {
      logger.warn(
        fields,
        `DEFAULT_VOICE is unset and ${ids.length} voices are installed: requests without a voice get ${voice} (the first by id), which changes when a voice that sorts before it is added; set DEFAULT_VOICE to choose one`,
      );
    } else if (!previous) {
      logger.info(fields, `default voice: ${voice} (the only voice installed; set DEFAULT_VOICE to keep it when voices are added)`);
    }
  }
}
