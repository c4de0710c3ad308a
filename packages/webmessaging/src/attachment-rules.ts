/**
 * What a deployment lets a guest upload, as GetConfigurationResponse gives it (`allowedMedia`,
 * `blockedExtensions`), and the checks an upload can pass before anything is sent. The server
 * stays the judge: these refuse what it refuses by the same rules (4001 a type it does not allow
 * or an extension it blocks, 4002 a file over its limit), read as the emulator and Genesys' Kotlin
 * transport read them, so that a file refused here would have been refused there. The problems
 * name the field, never its value: a file's name and type are the guest's.
 */
import type { ValidationProblem } from '@switchboard/core';
import type { GetConfigurationResponse } from './generated/guest-protocol.js';

/** A deployment's rules for guest uploads. */
export interface AttachmentRules {
  /** MIME types allowed: `image/png`, or a pattern (`image/*`, `*\/*`). None: no upload is allowed. */
  readonly fileTypes: readonly string[];
  /** The largest file, in KB of 1,024 bytes (the emulator's reading; the Kotlin transport's, 1,000, refuses no more). */
  readonly maxFileSizeKB: number;
  /** File name extensions refused whatever the type (`.exe`), compared without regard to case. */
  readonly blockedExtensions: readonly string[];
}

/** The rules a GetConfigurationResponse gives (its body was checked by the frame's parser). */
export function rulesOf(configuration: GetConfigurationResponse): AttachmentRules {
  return {
    fileTypes: configuration.allowedMedia.inbound.fileTypes.map((fileType) => fileType.type),
    maxFileSizeKB: configuration.allowedMedia.inbound.maxFileSizeKB,
    blockedExtensions: configuration.blockedExtensions ?? [],
  };
}

/** A MIME type as compared: its type and subtype in lower case, without parameters (`; charset=…`). */
function essence(mime: string): string {
  return (mime.split(';')[0] ?? '').trim().toLowerCase();
}

/** Whether `pattern` (`image/png`, `image/*`, `*\/*`) allows `fileType`. */
function allows(pattern: string, fileType: string): boolean {
  const wanted = essence(pattern);
  const type = essence(fileType);
  if (wanted === '*/*' || wanted === type) return true;
  return wanted.endsWith('/*') && type.startsWith(wanted.slice(0, -1));
}

/** The extension of a file name, in lower case with its dot (`.exe`); none for a name without one. */
function extensionOf(fileName: string): string | undefined {
  return /\.[^./\\]+$/.exec(fileName)?.[0]?.toLowerCase();
}

/** What an upload looks like to its checks. */
export interface UploadFacts {
  readonly fileName: string;
  readonly fileType: string;
  /** Its size in bytes. */
  readonly fileSize: number;
}

/** Why the deployment's rules refuse an upload: a problem per rule it breaks; none when it may go. */
export function uploadProblems(rules: AttachmentRules, upload: UploadFacts): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const extension = extensionOf(upload.fileName);
  if (extension !== undefined && rules.blockedExtensions.some((blocked) => blocked.toLowerCase() === extension))
    problems.push({ pointer: '/fileName', message: 'has an extension the deployment blocks (its blockedExtensions)' });
  if (!rules.fileTypes.some((pattern) => allows(pattern, upload.fileType)))
    problems.push({ pointer: '/fileType', message: 'is not a type the deployment allows (its allowedMedia)' });
  const maxBytes = rules.maxFileSizeKB * 1_024;
  if (upload.fileSize > maxBytes)
    problems.push({ pointer: '/fileSize', message: `must be at most ${rules.maxFileSizeKB} KB, the deployment's limit` });
  return problems;
}
