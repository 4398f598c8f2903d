import type { Transaction } from 'sequelize';
import type { PiiCipher } from '../../platform/crypto/pii.ts';
import { PersonModel } from '../models/index.ts';
import { maskIdNumber, maskPhone } from '../masking.ts';

export interface PersonInput {
  name: string;
  idNumber: string;
  phone: string;
}

/** Persons with their ID number and phone encrypted at rest and found by keyed hash (R25). */
export class PersonRepository {
  constructor(private readonly pii: PiiCipher) {}

  findByIdNumber(tx: Transaction | undefined, idNumber: string) {
    return PersonModel.findOne({ where: { idNumberHash: this.pii.lookupHash(idNumber) }, transaction: tx });
  }

  findByPhone(tx: Transaction | undefined, phone: string) {
    return PersonModel.findOne({ where: { phoneHash: this.pii.lookupHash(phone) }, transaction: tx });
  }

  findById(tx: Transaction | undefined, id: string) {
    return PersonModel.findByPk(id, { transaction: tx });
  }

  create(tx: Transaction, p: PersonInput) {
    return PersonModel.create(
      {
        name: p.name,
        idNumberEnc: this.pii.encrypt(p.idNumber),
        idNumberHash: this.pii.lookupHash(p.idNumber),
        idNumberMasked: maskIdNumber(p.idNumber),
        ...this.phoneColumns(p.phone),
      },
      { transaction: tx },
    );
  }

  async update(tx: Transaction, person: PersonModel, changes: { name?: string; phone?: string }) {
    await person.update(
      { ...(changes.name ? { name: changes.name } : {}), ...(changes.phone ? this.phoneColumns(changes.phone) : {}), updatedAt: new Date() },
      { transaction: tx },
    );
  }

  /** Which of the given fields differ from the stored person (the phone compared by its keyed hash). */
  changedFields(person: PersonModel, changes: { name?: string | undefined; phone?: string | undefined }): Array<'name' | 'phone'> {
    const fields: Array<'name' | 'phone'> = [];
    if (changes.name !== undefined && changes.name !== person.name) fields.push('name');
    if (changes.phone !== undefined && this.pii.lookupHash(changes.phone) !== person.phoneHash) fields.push('phone');
    return fields;
  }

  private phoneColumns(phone: string) {
    return { phoneEnc: this.pii.encrypt(phone), phoneHash: this.pii.lookupHash(phone), phoneMasked: maskPhone(phone) };
  }
}
