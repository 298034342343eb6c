#include "seed/schema.h"

namespace shoplytics::seed {

const std::vector<TableDef>& SourceTables() {
  static const std::vector<TableDef> kTables = {
      {"shop.customers",
       "customer_id bigint NOT NULL, email text NOT NULL, first_name text NOT NULL, "
       "last_name text NOT NULL, country text NOT NULL, city text NOT NULL, "
       "marketing_opt_in boolean NOT NULL, acquisition_channel text NOT NULL, "
       "created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, "
       "deleted_at timestamptz",
       "customer_id"},
      {"shop.products",
       "product_id bigint NOT NULL, sku text NOT NULL, name text NOT NULL, "
       "category text NOT NULL, brand text NOT NULL, price_cents bigint NOT NULL, "
       "cost_cents bigint NOT NULL, is_active boolean NOT NULL, "
       "created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL",
       "product_id"},
      {"shop.inventory",
       "inventory_id bigint NOT NULL, product_id bigint NOT NULL, warehouse text NOT NULL, "
       "quantity_on_hand integer NOT NULL, reorder_point integer NOT NULL, "
       "updated_at timestamptz NOT NULL",
       "inventory_id"},
      {"shop.orders",
       "order_id bigint NOT NULL, order_number text NOT NULL, customer_id bigint NOT NULL, "
       "status text NOT NULL, currency text NOT NULL, subtotal_cents bigint NOT NULL, "
       "discount_cents bigint NOT NULL, shipping_cents bigint NOT NULL, "
       "tax_cents bigint NOT NULL, total_cents bigint NOT NULL, coupon_code text, "
       "channel text NOT NULL, device text NOT NULL, utm_source text, utm_medium text, "
       "utm_campaign text, shipping_country text NOT NULL, created_at timestamptz NOT NULL, "
       "updated_at timestamptz NOT NULL, paid_at timestamptz, shipped_at timestamptz, "
       "delivered_at timestamptz, cancelled_at timestamptz, returned_at timestamptz",
       "order_id"},
      {"shop.order_items",
       "order_item_id bigint NOT NULL, order_id bigint NOT NULL, product_id bigint NOT NULL, "
       "quantity integer NOT NULL, unit_price_cents bigint NOT NULL, "
       "discount_cents bigint NOT NULL, created_at timestamptz NOT NULL, "
       "updated_at timestamptz NOT NULL",
       "order_item_id"},
      {"stripe.charges",
       "id text NOT NULL, amount bigint NOT NULL, amount_captured bigint NOT NULL, "
       "amount_refunded bigint NOT NULL, currency text NOT NULL, status text NOT NULL, "
       "paid boolean NOT NULL, captured boolean NOT NULL, refunded boolean NOT NULL, "
       "disputed boolean NOT NULL, failure_code text, customer text NOT NULL, "
       "description text NOT NULL, order_id bigint NOT NULL, card_brand text NOT NULL, "
       "card_last4 text NOT NULL, balance_transaction text, created bigint NOT NULL",
       "id"},
      {"stripe.refunds",
       "id text NOT NULL, charge text NOT NULL, amount bigint NOT NULL, currency text NOT NULL, "
       "status text NOT NULL, reason text NOT NULL, balance_transaction text NOT NULL, "
       "order_id bigint NOT NULL, created bigint NOT NULL",
       "id"},
      {"stripe.disputes",
       "id text NOT NULL, charge text NOT NULL, amount bigint NOT NULL, currency text NOT NULL, "
       "status text NOT NULL, reason text NOT NULL, evidence_due_by bigint NOT NULL, "
       "order_id bigint NOT NULL, created bigint NOT NULL",
       "id"},
      {"stripe.balance_transactions",
       "id text NOT NULL, amount bigint NOT NULL, fee bigint NOT NULL, net bigint NOT NULL, "
       "currency text NOT NULL, type text NOT NULL, reporting_category text NOT NULL, "
       "source text NOT NULL, status text NOT NULL, description text, "
       "available_on bigint NOT NULL, created bigint NOT NULL",
       "id"},
  };
  return kTables;
}

const std::vector<std::string>& PostLoadDdl(int lane) {
  static const std::vector<std::string> kLanes[2] = {
      {
          "ALTER TABLE shop.orders ADD PRIMARY KEY (order_id)",
          "ALTER TABLE shop.order_items ADD PRIMARY KEY (order_item_id)",
          "ALTER TABLE shop.order_items ADD FOREIGN KEY (order_id) REFERENCES shop.orders",
          "ALTER TABLE shop.order_items ADD FOREIGN KEY (product_id) REFERENCES shop.products",
          "CREATE INDEX ON shop.order_items (order_id)",
          "CREATE INDEX ON shop.orders (updated_at, order_id)",
      },
      {
          "ALTER TABLE shop.customers ADD PRIMARY KEY (customer_id)",
          "ALTER TABLE shop.inventory ADD FOREIGN KEY (product_id) REFERENCES shop.products",
          "ALTER TABLE shop.orders ADD FOREIGN KEY (customer_id) REFERENCES shop.customers",
          "CREATE INDEX ON shop.customers (updated_at, customer_id)",
          "CREATE INDEX ON shop.orders (customer_id)",
          "ALTER TABLE stripe.charges ADD PRIMARY KEY (id)",
          "ALTER TABLE stripe.refunds ADD PRIMARY KEY (id)",
          "ALTER TABLE stripe.disputes ADD PRIMARY KEY (id)",
          "ALTER TABLE stripe.balance_transactions ADD PRIMARY KEY (id)",
          "CREATE INDEX ON stripe.charges (created, id)",
          "CREATE INDEX ON stripe.refunds (created, id)",
          "CREATE INDEX ON stripe.disputes (created, id)",
          "CREATE INDEX ON stripe.balance_transactions (created, id)",
          // The incremental extractor's keyset read: without it a day's changes cost a
          // scan of every line ever sold.
          "CREATE INDEX ON shop.order_items (updated_at, order_item_id)",
      },
  };
  return kLanes[lane];
}

const char* const kStateDdl =
    "CREATE TABLE shoplytics_generator.state ("
    "  id integer PRIMARY KEY CHECK (id = 1),"
    "  status text NOT NULL,"  // 'generating' until the load completes, then 'complete'
    "  seed bigint NOT NULL, start_day bigint NOT NULL, months integer NOT NULL,"
    "  orders_per_month bigint NOT NULL, products integer NOT NULL,"
    "  clickstream_days integer NOT NULL,"
    "  end_time bigint NOT NULL,"        // the shop's 'now' (Unix seconds)
    "  next_item_id bigint NOT NULL,"
    "  advanced_days integer NOT NULL DEFAULT 0,"
    "  updated_at timestamptz NOT NULL DEFAULT now())";

}  // namespace shoplytics::seed
