import type { Transaction } from 'sequelize';
import type { PiiCipher } from '../../platform/crypto/pii.ts';
import { dbNow, PersonModel, plain, type Person } from '../models/index.ts';
import { maskIdNumber, maskPhone } from '../masking.ts';

export interface PersonInput {
  name: string;
  idNumber: string;
  phone: string;
}

/** Persons with their ID number and phone encrypted at rest and found by keyed hash (R25). */
export class PersonRepository {
  private readonly pii: PiiCipher;

  constructor(deps: { pii: PiiCipher }) {
    this.pii = deps.pii;
  }

  async findByIdNumber(tx: Transaction | undefined, idNumber: string): Promise<Person | null> {
    return plain(await PersonModel.findOne({ where: { idNumberHash: this.pii.lookupHash(idNumber) }, transaction: tx }));
  }

  async findByPhone(tx: Transaction | undefined, phone: string): Promise<Person | null> {
    return plain(await PersonModel.findOne({ where: { phoneHash: this.pii.lookupHash(phone) }, transaction: tx }));
  }

  /** The person's phone in clear (R8: stored encrypted), for a code sent to it. */
  phoneOf(person: Pick<Person, 'phoneEnc'>): string {
    return this.pii.decrypt(person.phoneEnc);
  }

  /** Issue 8 (import batches) — the persons with these ID numbers, keyed by ID number: one query for a batch. */
  async findByIdNumbers(tx: Transaction | undefined, idNumbers: string[]): Promise<Map<string, Person>> {
    const byHash = new Map(idNumbers.map((n) => [this.pii.lookupHash(n), n]));
    if (!byHash.size) return new Map();
    const rows = await PersonModel.findAll({ where: { idNumberHash: [...byHash.keys()] }, transaction: tx });
    return new Map(rows.map((r) => [byHash.get(r.idNumberHash)!, plain(r)!]));
  }

  /** Issue 8 (import batches) — the persons holding these phones, keyed by phone. */
  async findByPhones(tx: Transaction | undefined, phones: string[]): Promise<Map<string, Person>> {
    const byHash = new Map(phones.map((n) => [this.pii.lookupHash(n), n]));
    if (!byHash.size) return new Map();
    const rows = await PersonModel.findAll({ where: { phoneHash: [...byHash.keys()] }, transaction: tx });
    return new Map(rows.map((r) => [byHash.get(r.phoneHash)!, plain(r)!]));
  }

  /**
   * Issue 8 (import batches), issue 11 (bulk loads) — inserts new persons with the ids the caller chose,
   * in one statement: encrypted, keyed-hashed and masked exactly as one by one (R25), the columns bound
   * as arrays and unnested.
   */
  async createMany(tx: Transaction, people: Array<PersonInput & { id: string }>): Promise<void> {
    if (!people.length) return;
    const cols: string[][] = [[], [], [], [], [], [], [], []];
    for (const p of people) {
      const phone = this.phoneColumns(p.phone);
      const values = [p.id, p.name, this.pii.encrypt(p.idNumber), this.pii.lookupHash(p.idNumber), maskIdNumber(p.idNumber), phone.phoneEnc, phone.phoneHash, phone.phoneMasked];
      for (let i = 0; i < values.length; i++) cols[i]!.push(values[i]!);
    }
    await PersonModel.sequelize!.query(
      `INSERT INTO persons (id, name, id_number_enc, id_number_hash, id_number_masked, phone_enc, phone_hash, phone_masked)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])`,
      { bind: cols, transaction: tx },
    );
  }

  async findById(tx: Transaction | undefined, id: string): Promise<Person | null> {
    return plain(await PersonModel.findByPk(id, { transaction: tx }));
  }

  async create(tx: Transaction, p: PersonInput): Promise<Person> {
    const person = await PersonModel.create(
      {
        name: p.name,
        idNumberEnc: this.pii.encrypt(p.idNumber),
        idNumberHash: this.pii.lookupHash(p.idNumber),
        idNumberMasked: maskIdNumber(p.idNumber),
        ...this.phoneColumns(p.phone),
      },
      { transaction: tx },
    );
    return plain(person)!;
  }

  async update(tx: Transaction, id: string, changes: { name?: string; phone?: string }): Promise<void> {
    await PersonModel.update(
      { ...(changes.name ? { name: changes.name } : {}), ...(changes.phone ? this.phoneColumns(changes.phone) : {}), updatedAt: dbNow() },
      { where: { id }, transaction: tx },
    );
  }

  /** Which of the given fields differ from the stored person (the phone compared by its keyed hash). */
  changedFields(person: Person, changes: { name?: string | undefined; phone?: string | undefined }): Array<'name' | 'phone'> {
    const fields: Array<'name' | 'phone'> = [];
    if (changes.name !== undefined && changes.name !== person.name) fields.push('name');
    if (changes.phone !== undefined && this.pii.lookupHash(changes.phone) !== person.phoneHash) fields.push('phone');
    return fields;
  }

  private phoneColumns(phone: string) {
    return { phoneEnc: this.pii.encrypt(phone), phoneHash: this.pii.lookupHash(phone), phoneMasked: maskPhone(phone) };
  }
}
