import { execFile } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A real small filesystem (tmpfs) for disk-full faults: `fill()` writes a file until the kernel says
 * ENOSPC, `free()` removes it. Mounting needs root (CAP_SYS_ADMIN), as in CI's container.
 */
export const mountSmallDisk = async (megabytes: number) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-disk-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m,mode=0755`, 'tmpfs', dir]);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(
      `Cannot mount a tmpfs for the disk-full test (needs root with CAP_SYS_ADMIN): ${(err as Error).message}`,
    );
  }
  const filler = path.join(dir, 'filler');
  return {
    dir,
    async fill() {
      const file = await open(filler, 'w');
      const chunk = Buffer.alloc(256 * 1024, 1);
      try {
        for (;;) await file.write(chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        await file.close().catch(() => undefined);
      }
    },
    free: () => rm(filler, { force: true }),
    async unmount() {
      await run('umount', ['-l', dir]).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
};
