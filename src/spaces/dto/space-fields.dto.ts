import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';

const NAME = /^(~?[A-Za-z0-9_.@:-]{1,64})$/;
const NAME_MESSAGE = '$property must be a space name: 1-64 letters, digits or . _ - @ : (a personal space starts with ~), or "all" to read every space';

/**
 * The space a request is for, by our name (`space`) or upstream's (`store`); the X-Memory-Space
 * header says the same. Reads without one cover every space the key may read; writes go to the
 * key's default space.
 */
export class SpaceFields {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'team',
    description:
      'The space: for a read, one space (or "all": every space the key may read, the default); for a write, where it goes (default: the key\'s default space)',
  })
  @IsOptional()
  @IsString()
  @Matches(NAME, { message: NAME_MESSAGE })
  space?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: "Upstream's name for space (its store partitions)" })
  @IsOptional()
  @IsString()
  @Matches(NAME, { message: NAME_MESSAGE })
  store?: string | null;
}
