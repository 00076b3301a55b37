const KEEP_AS_SENT = Symbol('keepAsSent');

/**
 * Marks a free-form JSON property (metadata): the validation pipe hands it to the DTO exactly as
 * parsed. class-transformer would otherwise rebuild it, dropping (or failing on) keys that shadow
 * Object.prototype members such as toString, valueOf or constructor.
 */
export const KeepAsSent = (): PropertyDecorator => (target, key) => {
  const keys = (Reflect.getMetadata(KEEP_AS_SENT, target) as (string | symbol)[] | undefined) ?? [];
  Reflect.defineMetadata(KEEP_AS_SENT, [...keys, key], target);
};

/** The properties of a DTO class marked @KeepAsSent(). */
export function keptAsSent(metatype: abstract new (...args: never[]) => unknown): string[] {
  return ((Reflect.getMetadata(KEEP_AS_SENT, metatype.prototype as object) as (string | symbol)[] | undefined) ?? []).filter(
    (key): key is string => typeof key === 'string',
  );
}
