import { consolePart } from './index';

// Bundles and custom face values (issue 15): the product form's words, the refusals a storefront
// can get for them, and the timeline entry of a bundle given back.
export const products15Part = consolePart(
  {
    cf: {
      modes: { bundle: 'Bundle of other products' },
      products15: {
        bundle: 'Bundle',
        bundle_help: 'A bundle is sold as one product and delivered as its parts, each by its own fulfilment. The parts’ shares times their quantities must add up to the price.',
        policy: 'When a part cannot be had',
        policy_wait: 'Wait for a person to fulfil it by hand',
        policy_undo: 'Undo the other parts and fail the order',
        components: 'Parts',
        component_sku: 'Product',
        component_quantity: 'Quantity per bundle',
        component_share: 'Share of the price, per unit',
        custom: 'Buyer chooses the face value',
        custom_help: 'The storefront sends the amount per unit (items[].amount). Rates are basis points of the amount: 9700 = 97%.',
        custom_min: 'Lowest amount',
        custom_max: 'Highest amount',
        custom_step: 'Step',
        price_rate: 'Price, basis points of the amount',
        cost_rate: 'Cost, basis points of the amount (the price guard for the supplier)',
      },
      errors: {
        bundle_component_repeated: 'Product %{sku} is in the order more than once (on its own or in a bundle); order it in one place.',
        amount_required: 'Product %{sku} needs the face value per unit (from %{min} to %{max}, in steps of %{step}).',
        amount_not_applicable: 'Product %{sku} has a fixed face value; leave out the amount.',
        amount_out_of_range: 'The amount %{amount} for %{sku} is outside %{min} to %{max}.',
        amount_not_on_step: 'The amount %{amount} for %{sku} must be %{min} plus a multiple of %{step}.',
      },
      events: {
        bundle_undone: 'Bundle undone: its parts given back',
      },
    },
  },
  {
    cf: {
      modes: { bundle: '组合套餐' },
      products15: {
        bundle: '组合套餐',
        bundle_help: '组合套餐作为一个商品出售，按各组成部分分别发货（各自的发货方式）。各部分的分成乘以数量之和必须等于售价。',
        policy: '某一部分无法获得时',
        policy_wait: '等待人工发货',
        policy_undo: '撤销其他部分并使订单失败',
        components: '组成部分',
        component_sku: '商品',
        component_quantity: '每套数量',
        component_share: '每件分得的售价',
        custom: '由买家选择面值',
        custom_help: '店铺按每件传入面值（items[].amount）。比例以面值的万分之一为单位：9700 即 97%。',
        custom_min: '最低面值',
        custom_max: '最高面值',
        custom_step: '步长',
        price_rate: '售价（面值的万分比）',
        cost_rate: '成本（面值的万分比，即向供应商采购的限价）',
      },
      errors: {
        bundle_component_repeated: '商品 %{sku} 在订单中出现了不止一次（单独购买或在组合套餐中）；请只在一处下单。',
        amount_required: '商品 %{sku} 需要填写每件的面值（%{min} 至 %{max}，步长 %{step}）。',
        amount_not_applicable: '商品 %{sku} 为固定面值，请不要填写面值。',
        amount_out_of_range: '商品 %{sku} 的面值 %{amount} 超出范围 %{min} 至 %{max}。',
        amount_not_on_step: '商品 %{sku} 的面值 %{amount} 必须是 %{min} 加上 %{step} 的整数倍。',
      },
      events: {
        bundle_undone: '组合套餐已撤销：各部分已退回',
      },
    },
  },
);
