import { DurableObject } from "cloudflare:workers";
import { createDb } from "../../platform/db/client";
import { createLogger, logLevel } from "../../platform/log";
import type { ClaimJob, SendJob, SendsQueueBody } from "../../queues/contracts";
import { sendSends } from "../../queues/producers";
import { RESCAN_AGE_MS, readSource } from "./feeder";
import { book, bookedAheadMs, type Pace, pacedRate, recover, slowDown } from "./pace";
import { GovernorStore, type Lane, PAIR_WINDOW_MS, type Source } from "./store";

export type { Lane } from "./store";

/**
 * Released and booked broadcast sends stay within this much of the number's sending time: enough
 * that the number never idles between releases (a release reaches a consumer in well under it),
 * little enough that an API send queued behind a broadcast waits about half a second for it.
 */
export const LEAD_MS = 500;
/** How often the feeder releases while it has work: a fifth of the lead, so the lead stays full. */
export const TICK_MS = 100;
/** Released broadcast sends not yet booked stop counting against the lead after this long. */
const OUTSTANDING_TTL_MS = 10_000;
/** A consumer waits for a slot up to this long; a send that cannot start sooner is parked here. */
export const MAX_WAIT_MS: Record<Lane, number> = { transactional: 60_000, broadcast: 5_000 };

export interface SlotRequest {
  lane: Lane;
  /** The number's throughput (messages/s) as its account says. */
  rate: number;
  /** In the order they should go; `to` is null for a session message (no pair window). */
  sends: { messageId: string; to: string | null }[];
  /**
   * Sends already claimed that woke late for their slot: they take the next free slots however far
   * ahead (up to the transactional wait), since parking them now would cost more than waiting.
   */
  late?: boolean;
}

/** When to send, or the earliest time worth asking again (the send is then parked by the caller). */
export type Slot = { at: number } | { later: number };

export interface FeedRequest {
  runId: string;
  projectId: string;
  campaignId: string;
  rate: number;
  /** Release from the run's first queued message again, even if it is being fed (a resume). */
  restart?: boolean;
}

/**
 * One object per business phone number: the single place that knows when the number may send,
 * whichever consumer invocation asks. It hands out one slot per send on an evenly spaced timeline
 * (transactional sends book on it too, but only broadcasts are held to a lead), releases its
 * broadcast runs' queued messages into the sends queue at the number's pace, round-robin across
 * runs, and keeps sends parked that could not start soon. Everything but the count of released
 * sends not yet booked survives an eviction (docs/pacing.md).
 */
export class SendGovernor extends DurableObject<Env> {
  private readonly store: GovernorStore;
  private pace: Pace;
  private outstanding: { at: number; count: number }[] = [];
  private turn = 0;
  private ticking = false;
  /** Since the object started (memory only): timeline time that passed with no slot booked, and sends re-slotted because they woke late. */
  private losses = { idleMs: 0, lateSends: 0 };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new GovernorStore(ctx.storage.sql);
    this.pace = this.store.loadPace();
  }

  /**
   * Books a slot for each send: within the lane's longest wait, and for a template message, not
   * before its recipient's pair window has passed. Sends that get `later` were not booked.
   */
  reserve(request: SlotRequest, now = Date.now()): Slot[] {
    this.pace.rate = request.rate;
    if (request.lane === "broadcast") this.consume(request.sends.length, now);
    if (this.pace.nextFreeAt > 0 && now > this.pace.nextFreeAt) this.losses.idleMs += now - this.pace.nextFreeAt;
    if (request.late) this.losses.lateSends += request.sends.length;
    const pairs = this.store.pairsFreeAt(request.sends.flatMap((s) => s.to ?? []));
    const held: [string, number, string][] = [];
    const slots = request.sends.map((send): Slot => {
      const pair = send.to === null ? undefined : pairs.get(send.to);
      if (pair && pair.freeAt > now && pair.messageId !== send.messageId) return { later: pair.freeAt };
      const [at] = book(this.pace, 1, now, MAX_WAIT_MS[request.late ? "transactional" : request.lane]);
      if (at === undefined) return { later: Math.max(now + TICK_MS, this.pace.nextFreeAt - LEAD_MS) };
      if (send.to !== null) {
        pairs.set(send.to, { freeAt: at + PAIR_WINDOW_MS, messageId: send.messageId });
        held.push([send.to, at + PAIR_WINDOW_MS, send.messageId]);
      }
      return { at };
    });
    this.store.holdPairs(held);
    this.store.savePace(this.pace);
    // Consumers are booking the lead away: release more now rather than at the next alarm, so a
    // late alarm on a busy isolate never lets the number idle.
    if (request.lane === "broadcast" && this.leadLeft(now) > LEAD_MS / 2) this.ctx.waitUntil(this.tickOnce());
    return slots;
  }

  /** Meta answered 130429: the rate halves, once per episode. Returns whether this call halved it. */
  slowDown(now = Date.now()): boolean {
    const halved = slowDown(this.pace, now);
    if (halved) this.store.savePace(this.pace);
    return halved;
  }

  /** Starts feeding a run's queued messages (a run already fed keeps its place unless restarted). */
  async feed(request: FeedRequest): Promise<void> {
    this.pace.rate = request.rate;
    this.store.savePace(this.pace);
    this.store.addSource(request, request.restart === true);
    await this.wake();
  }

  /** Keeps sends that could not start soon; the feeder releases them when due, transactional first. */
  async park(entries: { lane: Lane; notBefore: number; body: SendJob }[]): Promise<void> {
    this.store.park(entries);
    await this.wake();
  }

  /** What the governor holds: for operators and tests. */
  snapshot(now = Date.now()) {
    recover(this.pace, now);
    return {
      pace: { ...this.pace, pacedRate: pacedRate(this.pace), bookedAheadMs: bookedAheadMs(this.pace, now) },
      sources: this.store.sources(),
      parked: this.store.parkedCount(),
      losses: { ...this.losses },
    };
  }

  override async alarm(): Promise<void> {
    await this.tickOnce();
    await this.schedule();
  }

  /**
   * Releases what the lead allows: due parked sends (transactional first), then the runs' queued
   * messages, shared evenly. Returns how many were released.
   */
  /** Runs a tick unless one is under way (the alarm and a consumer's booking may both ask). */
  private async tickOnce(): Promise<number> {
    if (this.ticking) return 0;
    this.ticking = true;
    try {
      return await this.tick();
    } catch (err) {
      createLogger({ governor: this.ctx.id.toString() }, logLevel(this.env)).error("feeder tick failed", { err });
      return 0;
    } finally {
      this.ticking = false;
    }
  }

  /** How much of the lead is free (ms of the number's sending time), booked and released counted. */
  private leadLeft(now: number) {
    return LEAD_MS - bookedAheadMs(this.pace, now) - (this.pending(now) * 1000) / pacedRate(this.pace);
  }

  async tick(now = Date.now()): Promise<number> {
    recover(this.pace, now);
    this.store.prunePairs(now);
    const lead = this.leadLeft(now);
    // Below two a second the lead never holds a whole send: with nothing booked ahead or released
    // unbooked, one may still go, or such a number would never send.
    let budget = Math.max(lead >= LEAD_MS ? 1 : 0, Math.floor((pacedRate(this.pace) * lead) / 1000));
    const parked: { lane: Lane; notBefore: number; body: SendJob }[] = [];
    for (const lane of ["transactional", "broadcast"] as const) {
      const taken = this.store.takeParked(lane, now, budget);
      budget -= taken.length;
      parked.push(...taken);
    }
    const fed: SendsQueueBody[] = [];
    const moves: (() => void)[] = [];
    const sources = this.store.sources();
    const db = createDb(this.env.DB);
    const share = sources.length > 0 ? Math.ceil(budget / sources.length) : 0;
    this.turn++;
    for (let k = 0; k < sources.length && budget > 0; k++) {
      const source = sources[(k + this.turn) % sources.length] as Source;
      const read = await readSource(this.env, db, source, Math.min(share, budget));
      if (read.kind === "permits") {
        budget -= read.count;
        for (let i = 0; i < read.count; i++) fed.push(claimJob(source, read.runRef));
      } else if (read.kind === "release") {
        budget -= read.ids.length;
        for (const messageId of read.ids) fed.push(sendJob(source, messageId));
        moves.push(() => this.store.moveSource(source.runId, read.ids.at(-1) as string, source.rescanBefore));
      } else if (read.kind === "done" && read.why === "released" && source.rescanBefore === null) {
        moves.push(() => this.store.moveSource(source.runId, "", now - RESCAN_AGE_MS));
      } else if (read.kind === "done") {
        moves.push(() => this.store.dropSource(source.runId));
      }
    }
    const bodies = [...parked.map((p) => p.body), ...fed];
    if (bodies.length > 0) {
      try {
        await this.deliver(bodies);
      } catch (err) {
        // Nothing moves: the runs' cursors stay where they were and the parked sends are parked again.
        this.store.park(parked);
        throw err;
      }
      const broadcast = fed.length + parked.filter((p) => p.lane === "broadcast").length;
      if (broadcast > 0) this.outstanding.push({ at: now, count: broadcast });
    }
    for (const move of moves) move();
    return bodies.length;
  }

  /** Puts released sends on the sends queue; a harness may replace it on a live object. */
  async deliver(bodies: SendsQueueBody[]): Promise<void> {
    await sendSends(this.env, bodies);
  }

  private async wake() {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
  }

  private async schedule() {
    const now = Date.now();
    if (this.store.sources().length > 0) {
      await this.ctx.storage.setAlarm(now + TICK_MS);
      return;
    }
    const parkedAt = this.store.nextParkedAt();
    if (parkedAt !== null) await this.ctx.storage.setAlarm(Math.max(now + TICK_MS, parkedAt));
  }

  /** Released broadcast sends not booked yet, forgetting releases older than the TTL. */
  private pending(now: number): number {
    this.outstanding = this.outstanding.filter((o) => now - o.at < OUTSTANDING_TTL_MS && o.count > 0);
    return this.outstanding.reduce((sum, o) => sum + o.count, 0);
  }

  private consume(count: number, now: number) {
    this.pending(now);
    let left = count;
    for (const o of this.outstanding) {
      const take = Math.min(left, o.count);
      o.count -= take;
      left -= take;
      if (left === 0) break;
    }
  }
}

const sendJob = (source: Source, messageId: string): SendJob => ({
  kind: "send",
  projectId: source.projectId,
  messageId,
  campaignId: source.campaignId,
  runId: source.runId,
});

const claimJob = (source: Source, runRef: string): ClaimJob => ({
  kind: "claim",
  projectId: source.projectId,
  campaignId: source.campaignId,
  runId: source.runId,
  runRef,
});

/** The governor of one business number, shared by every invocation and job sending from it. */
export const governorFor = (env: Pick<Env, "SEND_GOVERNOR">, phoneNumberId: string) =>
  env.SEND_GOVERNOR.get(env.SEND_GOVERNOR.idFromName(phoneNumberId));
