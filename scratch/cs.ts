import { checksum } from '../src/envelope';
for (const v of ['{"title":"draft 60278"', '{"title":"draft 96795"', '{"title":"draft 73196"', '{"title":"draft 88760"']) console.log(v, checksum(v));
