import type { KbDocument } from './index-builder.js';

/** A small English customer-service KB for ranking and confidence tests (written for these tests). */
export const ENGLISH_KB: KbDocument[] = [
  {
    id: 'activate-card',
    question: 'How do I activate my new card?',
    similarQuestions: ['Activate my card', 'I received my card, how can I start using it?'],
    answer: 'Open the app, go to Cards and tap Activate. Your card works right away.',
  },
  {
    id: 'lost-card',
    question: 'I lost my card, what should I do?',
    similarQuestions: ['My card was stolen', 'How do I block a missing card?'],
    answer: 'Freeze the card in the app immediately and order a replacement.',
  },
  {
    id: 'card-arrival',
    question: 'When will my card arrive?',
    similarQuestions: ['My card has not arrived yet', 'How long does card delivery take?'],
    answer: 'Cards are delivered within 5 working days after ordering.',
  },
  {
    id: 'change-pin',
    question: 'How can I change my PIN?',
    similarQuestions: ['I want a new PIN number', 'Reset my card PIN'],
    answer: 'You can change your PIN at any ATM that supports PIN changes.',
  },
  {
    id: 'refund-status',
    question: 'Where is my refund?',
    similarQuestions: ['My refund is not showing on my statement', 'I have not received the refund yet'],
    answer: 'Refunds take up to 10 days to appear after the merchant issues them.',
  },
  {
    id: 'cancel-order',
    question: 'How can I cancel my order?',
    similarQuestions: ['I want to cancel a purchase', 'Cancel order please'],
    answer: 'Orders can be cancelled from the Orders page until they are shipped.',
  },
  {
    id: 'delete-account',
    question: 'How do I close my account?',
    similarQuestions: ['Delete my account', 'I want to terminate my account'],
    answer: 'Contact support to close your account; the balance is paid out first.',
  },
  {
    id: 'exchange-rate',
    question: 'What exchange rate do you use?',
    similarQuestions: ['How are currency conversion rates calculated?'],
    answer: 'We use the interbank exchange rate with no hidden markup.',
  },
  {
    id: 'contact-agent',
    question: 'Can I talk to a human agent?',
    similarQuestions: ['I want to speak with a person', 'Connect me to customer service'],
    answer: 'Type "agent" in the chat or call us during opening hours.',
  },
  {
    id: 'change-address',
    question: 'How do I update my delivery address?',
    similarQuestions: ['Change my shipping address', 'I moved, where do I change my address?'],
    answer: 'Edit the address under Profile > Addresses before your order ships.',
  },
];

/** A small Chinese KB (same intents in Chinese), also written for these tests. */
export const CHINESE_KB: KbDocument[] = [
  {
    id: 'zh-password',
    question: '怎么修改登录密码？',
    similarQuestions: ['忘记密码了怎么办', '如何重置账户密码'],
    answer: '在设置中点击安全中心，选择修改密码。',
  },
  {
    id: 'zh-refund',
    question: '退款什么时候到账？',
    similarQuestions: ['申请退款后多久能收到钱', '退款一直没有到账'],
    answer: '退款一般在3到5个工作日内原路退回。',
  },
  {
    id: 'zh-logistics',
    question: '怎么查询物流信息？',
    similarQuestions: ['我的快递到哪里了', '订单什么时候发货'],
    answer: '在订单详情页可以查看物流进度。',
  },
  {
    id: 'zh-invoice',
    question: '如何开具发票？',
    similarQuestions: ['我需要开发票', '发票怎么申请'],
    answer: '在订单详情页点击申请发票，填写抬头即可。',
  },
  {
    id: 'zh-lost-card',
    question: '银行卡丢了怎么挂失？',
    similarQuestions: ['卡被偷了怎么办', '如何冻结银行卡'],
    answer: '请立即在App中冻结银行卡并申请补卡。',
  },
  {
    id: 'zh-cancel-account',
    question: '如何注销账户？',
    similarQuestions: ['我想注销我的账号', '怎么删除账户'],
    answer: '请联系人工客服办理账户注销。',
  },
  {
    id: 'zh-agent',
    question: '怎么联系人工客服？',
    similarQuestions: ['转人工', '我要和客服说话'],
    answer: '在聊天窗口输入“人工”即可转接客服。',
  },
];

/** Paraphrases not in the KBs, with the entry each should find. */
export const PARAPHRASES: ReadonlyArray<readonly [string, string]> = [
  ['how to activate the card I just got', 'activate-card'],
  ['someone stole my card', 'lost-card'],
  ['my new card still has not arrived', 'card-arrival'],
  ["I'd like to change the pin of my card", 'change-pin'],
  ["the refund hasn't shown up on my statement", 'refund-status'],
  ['please cancel the purchase I made', 'cancel-order'],
  ['I want to delete my account', 'delete-account'],
  ['which exchange rate is applied to conversions', 'exchange-rate'],
  ['let me speak to a human please', 'contact-agent'],
  ['where can I change the shipping address', 'change-address'],
  ['密码忘记了，怎么重置', 'zh-password'],
  ['退款多久到账', 'zh-refund'],
  ['我的快递到哪了', 'zh-logistics'],
  ['发票如何申请', 'zh-invoice'],
  ['银行卡被偷了', 'zh-lost-card'],
  ['怎么注销账号', 'zh-cancel-account'],
  ['我要转人工客服', 'zh-agent'],
];

/** Queries no customer-service KB should answer. */
export const UNRELATED: readonly string[] = [
  "what's the weather tomorrow",
  '今天天气怎么样',
  'asdfgh',
  'who won the football match yesterday',
  'tell me a joke',
  'how do I bake a chocolate cake',
  '给我讲个笑话',
  '珠穆朗玛峰有多高',
];

/** Deterministic pseudo-English KB of `n` entries for build/search benchmarks. */
export function syntheticKb(n: number, seed = 1): KbDocument[] {
  let state = seed;
  const random = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const letters = 'etaoinshrdlcumwfgypbvkjxqz';
  const vocabulary = Array.from({ length: 8000 }, () => {
    const length = 3 + Math.floor(random() * 7);
    let word = '';
    // Skewed letter choice gives English-like letter frequencies, hence realistic n-gram statistics.
    for (let i = 0; i < length; i++) word += letters[Math.floor(random() ** 2 * letters.length)];
    return word;
  });
  const common = ['how', 'do', 'i', 'my', 'the', 'can', 'why', 'is', 'not', 'what', 'to', 'a', 'card', 'order'];
  const word = (): string =>
    random() < 0.35 ? common[Math.floor(random() * common.length)] : vocabulary[Math.floor(random() ** 2 * vocabulary.length)];
  const sentence = (words: number): string => Array.from({ length: words }, word).join(' ');
  return Array.from({ length: n }, (_, i) => ({
    id: `entry-${String(i).padStart(5, '0')}`,
    question: `${sentence(8)}?`,
    similarQuestions: [sentence(7), sentence(9)],
    answer: sentence(40),
  }));
}
