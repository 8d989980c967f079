import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../src/logger.js';
import { installSafetyNet } from '../src/safety-net.js';

const capture = () => {
  const lines: { level: number; msg: string; err?: { message: string } }[] = [];
  const logger = createLogger(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line) as (typeof lines)[number]) },
  );
  return { logger, lines };
};

describe('the process safety net', () => {
  it('logs an unhandled rejection with its error and keeps going', () => {
    const { logger, lines } = capture();
    const target = new EventEmitter();
    const onFatal = vi.fn();
    installSafetyNet({ logger, target, onFatal });
    target.emit('unhandledRejection', new Error('Protocol error (Runtime.callFunctionOn): Target closed'));
    expect(lines).toEqual([
      expect.objectContaining({
        level: 50,
        msg: 'Unhandled promise rejection (contained)',
        err: expect.objectContaining({ message: 'Protocol error (Runtime.callFunctionOn): Target closed' }),
      }),
    ]);
    expect(onFatal).not.toHaveBeenCalled();
  });

  it('logs an uncaught exception at fatal and starts the shutdown', () => {
    const { logger, lines } = capture();
    const target = new EventEmitter();
    const onFatal = vi.fn();
    installSafetyNet({ logger, target, onFatal });
    target.emit('uncaughtException', new Error('boom'));
    expect(lines[0]).toMatchObject({
      level: 60,
      msg: 'Uncaught exception: shutting down',
      err: { message: 'boom' },
    });
    expect(onFatal).toHaveBeenCalledWith(expect.objectContaining({ message: 'boom' }));
  });

  it('removes both handlers when uninstalled', () => {
    const { logger } = capture();
    const target = new EventEmitter();
    const uninstall = installSafetyNet({ logger, target, onFatal: () => undefined });
    expect(target.listenerCount('unhandledRejection') + target.listenerCount('uncaughtException')).toBe(2);
    uninstall();
    expect(target.listenerCount('unhandledRejection') + target.listenerCount('uncaughtException')).toBe(0);
  });
});
