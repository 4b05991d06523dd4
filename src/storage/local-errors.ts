/**
 * Translation of Node filesystem errors into the typed storage errors.
 */
import { LakelogError } from "../errors/base.js";
import { AlreadyExistsError, NotFoundError, PermissionDeniedError, StoreRequestError, TransientError } from "../errors/storage-errors.js";
import { isAbortError } from "../util/abort.js";

const TRANSIENT_CODES = new Set(["EAGAIN", "EBUSY", "EMFILE", "ENFILE", "EINTR", "ETIMEDOUT"]);

/**
 * Maps an `fs` error (by its `code`) to the storage error set; lakelog errors and aborts pass
 * through. A directory where an object is read counts as absent; where one is written, as a failure.
 */
export function translateFsError(err: unknown, path: string, backend: string, op: "read" | "write" = "read"): unknown {
  if (err instanceof LakelogError || isAbortError(err)) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "EISDIR":
      if (op === "write") return new StoreRequestError(path, backend, undefined, "a directory exists at this path", { cause: err });
      return new NotFoundError(path, backend, { cause: err });
    case "ENOENT":
    case "ENOTDIR":
      return new NotFoundError(path, backend, { cause: err });
    case "EEXIST":
      return new AlreadyExistsError(path, backend, { cause: err });
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return new PermissionDeniedError(path, backend, code, { cause: err });
  }
  if (code && TRANSIENT_CODES.has(code)) return new TransientError(path, backend, 1, false, { cause: err });
  return new StoreRequestError(path, backend, undefined, code ?? String(err), { cause: err });
}
