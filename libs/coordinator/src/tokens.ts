/** Injection token of the validated `CoordinatorConfig`. */
export const COORDINATOR_CONFIG = Symbol('COORDINATOR_CONFIG')

/** Injection token of the `ImageSeeder` (null when the coordinator runs without a seed). */
export const IMAGE_SEEDER = Symbol('IMAGE_SEEDER')

/** Injection token of the `Clock`. */
export const CLOCK = Symbol('CLOCK')
