import { ImgswarmError, InvalidInputError, NotFoundError, StorageError } from '@imgswarm/core'

/** The agent was started with options that cannot work (no coordinator URL, no token to enrol with…). */
export class AgentConfigError extends InvalidInputError {
  static override name = 'AgentConfigError'
}

/** The coordinator refused to enrol this node or to accept its credential. */
export class EnrolmentError extends ImgswarmError {
  static override name = 'EnrolmentError'
  override readonly code = 'ERR_ENROLMENT'
}

/** The enrolment file in the data dir cannot be read, parsed or written. */
export class EnrolmentFileError extends StorageError {
  static override name = 'EnrolmentFileError'
}

/** Switching the `current` / `previous` links or recording the switch failed. */
export class ActivationError extends StorageError {
  static override name = 'ActivationError'
}

/** An image version asked for is not kept on this node. */
export class ImageNotKeptError extends NotFoundError {
  static override name = 'ImageNotKeptError'
}

/** A fetched image failed the whole-file check before activation. */
export class ImageVerificationError extends ImgswarmError {
  static override name = 'ImageVerificationError'
  override readonly code = 'ERR_IMAGE_VERIFICATION'
}

/** The agent was stopped while an operation (first enrolment, a fetch) was waiting. */
export class AgentStoppedError extends ImgswarmError {
  static override name = 'AgentStoppedError'
  override readonly code = 'ERR_AGENT_STOPPED'
}
