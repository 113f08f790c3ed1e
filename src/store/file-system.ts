// The file operations persistence uses, as one injectable layer: node's fs/promises by default;
// tests put a layer in between that counts fsyncs or runs out of disk space.
import * as nodeFs from 'node:fs/promises';

export interface LogFileHandle {
  write(buffer: Buffer): Promise<{ bytesWritten: number }>;
  /** Flushes the file's data to the disk (fdatasync). */
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export interface FileSystem {
  readFile(path: string): Promise<Buffer>;
  open(path: string, flags: 'a' | 'r+' | 'r'): Promise<LogFileHandle>;
  readdir(dir: string): Promise<string[]>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  copyFile(from: string, to: string): Promise<void>;
  mkdir(dir: string, options: { recursive: true }): Promise<unknown>;
  stat(path: string): Promise<{ isDirectory(): boolean; size: number }>;
}

export const nodeFileSystem: FileSystem = nodeFs;
