// gp-schema.js — GigPilot's synced tables as a WatermelonDB schema (mirrors
// src/core/gp-schema.c), shared by interop.js and tests/bench/bench-watermelon.js.
//
// Copyright 2026 The GigPilot authors
// SPDX-License-Identifier: GPL-3.0-or-later
'use strict'

const { appSchema, tableSchema } = require('@nozbe/watermelondb')

const str = (name) => ({ name, type: 'string', isOptional: true })
const num = (name) => ({ name, type: 'number', isOptional: true })
const stamps = [{ name: 'created_at', type: 'number' }, { name: 'updated_at', type: 'number' }]
const schema = appSchema({
  version: 1,
  tables: [
    tableSchema({
      name: 'clients',
      columns: [str('name'), str('email'), str('company'), str('address'), str('tax_id'),
        str('currency'), num('hourly_rate'), str('notes'), ...stamps]
    }),
    tableSchema({
      name: 'invoices',
      columns: [{ name: 'client_id', type: 'string', isIndexed: true }, str('number'), str('status'),
        str('currency'), str('issued_on'), str('due_on'), str('paid_on'), str('notes'), str('terms'), ...stamps]
    }),
    tableSchema({
      name: 'invoice_lines',
      columns: [{ name: 'invoice_id', type: 'string', isIndexed: true }, num('position'), str('description'),
        num('quantity'), num('unit_price'), num('tax_rate'), num('discount'), ...stamps]
    }),
    tableSchema({
      name: 'tickets',
      columns: [{ name: 'client_id', type: 'string', isIndexed: true }, str('title'), str('body'),
        str('status'), str('priority'), str('due_on'), ...stamps]
    })
  ]
})

module.exports = { schema }
