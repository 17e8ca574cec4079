/**
 * What a kind of sandbox (docker, local) tells baton about itself: the one
 * descriptor each kind registers in registry.ts (its keys of `sandbox:` are in
 * spec-keys.ts, for the spec's schema). Only the name and `describe` are
 * needed at start-up; every other facet loads the kind's heavy modules
 * (dockerode, execa) when called, so `baton status` stays fast.
 */
import type Docker from 'dockerode';
import type { Isolation } from './isolation-record.js';
import type { SandboxProvider, SweepResult } from './types.js';

/**
 * The `sandbox:` keys a kind decides its provider and isolation from: the
 * shared ones, and its own (spec-keys.ts), which it reads itself.
 * Not SandboxSpec: the spec's type follows from the kinds.
 */
export interface SandboxChoice {
  kind: string;
  network?: 'none' | 'bridge';
  [key: string]: unknown;
}

export interface ResolvedSandbox {
  provider: SandboxProvider;
  isolation: Isolation;
  /** Things the caller must show the user once (plain processes). */
  warnings: string[];
}

/** Parts of the machine a test puts in place of the real ones; each kind reads the ones it uses. */
export interface ResolveDeps {
  docker?: Docker;
  bwrap?: () => Promise<boolean>;
  root?: boolean;
}

/** One check of `baton sandbox doctor`. */
export interface Finding {
  /** What was checked: engine, image:baton-base, image:baton-browser, bubblewrap, debootstrap. */
  check: string;
  status: 'ok' | 'warn' | 'error';
  message: string;
  /** What to do, when something is missing. */
  fix?: string;
}

/** What of a kind works on this machine. */
export interface KindHealth {
  /** A spec of this kind can run here. */
  ready: boolean;
  findings: Finding[];
}

export interface SandboxKind {
  /** `sandbox.kind` in the spec, `provider` in the recorded isolation, `kind` of its providers and sandboxes. */
  readonly name: string;
  /** One line naming an isolation this kind gave, for the report header, `baton check` and `baton sandbox doctor`. */
  describe(isolation: Isolation): string;
  /**
   * The provider for `spec` on this machine and the isolation it gives,
   * probed, the sandbox user decided from `workspace`'s owner; a UserError
   * (exit 2) when the spec's isolation is not available here. Never a
   * weaker fallback.
   */
  resolve(spec: SandboxChoice, workspace: string | undefined, deps: ResolveDeps): Promise<ResolvedSandbox>;
  /** `baton sandbox doctor`: what works and what to do about the rest; never throws for a missing piece. */
  doctor(deps: ResolveDeps): Promise<KindHealth>;
  /** `baton sandbox sweep`: removes this kind's sandboxes whose owner process is gone, with no spec at hand. */
  sweep(filter: { experiment?: string }, deps: ResolveDeps): Promise<SweepResult>;
}
