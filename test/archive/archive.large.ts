import { env } from "cloudflare:workers";
import { runArchiveSlice } from "../../src/features/archive/job";
import { createCampaignOk, insertRun } from "../broadcast-campaigns/broadcast.helpers";
import { newProject } from "../helpers";
import { deps, manifests, objectIds } from "./archive.helpers";

/**
 * A finished run of `size` messages shaped like real ones (time-ordered ids, random wamids, mixed
 * outcomes and times), archived; counts the multipart parts sent (R2, and the local R2, refuse a
 * part under 5 MiB but the last). Returns the manifest's figures.
 */
export async function archiveRun(size: number, partBytes?: number) {
  const p = await newProject("archive large");
  const { campaign } = await createCampaignOk(p.manager, { title: "Large", message: "Hello there." });
  const runId = `run_${Date.now().toString(16).padStart(12, "0")}aaaaaaaaaaaa`;
  await insertRun(p.id, campaign.campaignId, runId, "completed", 1);
  await env.DB.prepare("UPDATE runs SET finished_at = 2 WHERE id = ?").bind(runId).run();
  const base = 1_790_000_000_000;
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
     INSERT INTO messages (id, project_id, campaign_id, run_id, template_id, number, status, attempts, wamid,
       error_code, error_title, error_message, created_at, updated_at, sent_at, delivered_at, read_at, failed_at)
     SELECT printf('msg_%012x', ? + i * 7) || lower(hex(randomblob(6))), ?, ?, ?, 'tpl_0192f1a2b3c4d5e6f7a8b9c0',
       printf('+9198%08d', (i * 7919 + 12345) % 100000000),
       CASE WHEN i % 10 = 0 THEN 'failed' WHEN i % 3 = 0 THEN 'delivered' ELSE 'read' END, 1,
       'wamid.HBgM' || hex(randomblob(24)),
       CASE WHEN i % 10 = 0 THEN 131026 END, CASE WHEN i % 10 = 0 THEN 'Message undeliverable' END,
       CASE WHEN i % 10 = 0 THEN 'Message undeliverable.' END,
       ? + i * 7, ? + i * 7 + 60000, ? + i * 7 + 900 + abs(random()) % 500,
       CASE WHEN i % 10 <> 0 THEN ? + i * 7 + 3000 + abs(random()) % 5000 END,
       CASE WHEN i % 10 <> 0 AND i % 3 <> 0 THEN ? + i * 7 + 60000 + abs(random()) % 3600000 END,
       CASE WHEN i % 10 = 0 THEN ? + i * 7 + 3000 END
     FROM n`,
  )
    .bind(size, base, p.id, campaign.campaignId, runId, base, base, base, base, base, base)
    .run();
  const parts: number[] = [];
  const bucket = new Proxy(env.FILES, {
    get(target, prop) {
      if (prop === "createMultipartUpload") {
        return async (key: string, options?: R2MultipartOptions) => {
          const upload = await target.createMultipartUpload(key, options);
          return new Proxy(upload, {
            get(u, q) {
              if (q === "uploadPart") {
                return (n: number, bytes: Uint8Array) => {
                  parts.push(n);
                  return u.uploadPart(n, bytes);
                };
              }
              const value = Reflect.get(u, q);
              return typeof value === "function" ? value.bind(u) : value;
            },
          });
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const bindings = { ...env, FILES: bucket } as Env;
  for (let i = 0; i < 20; i++) {
    const result = await runArchiveSlice(deps(bindings), { kind: "archive", projectId: p.id, before: 1e13 }, "large", {
      partBytes,
    });
    if (result === "done") break;
  }
  const [manifest] = await manifests(p.id);
  const ids = await objectIds(manifest?.r2_key as string);
  return {
    messages: manifest?.messages ?? 0,
    readBack: ids.length,
    uniqueIds: new Set(ids).size,
    parts: parts.length,
    perMessage: (manifest?.bytes ?? 0) / (manifest?.messages ?? 1),
    left: (
      await env.DB.prepare(
        "SELECT count(*) AS n FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?)",
      )
        .bind(runId)
        .first<{ n: number }>()
    )?.n,
  };
}
