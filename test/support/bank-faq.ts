import type { KbEntry } from '#knowledge';

/** A small bank FAQ for tests, independent of the demo seed so the demo can change freely. */
export const BANK_FAQ: KbEntry[] = [
  {
    id: 'card-instalment',
    question: '信用卡账单可以分期吗?',
    similarQuestions: ['账单能不能分期还款', '账单分期手续费是多少', '分期怎么收费'],
    answer: '可以,账单可分3/6/12期,手续费每期0.75%/0.70%/0.66%。',
    tags: ['credit-card'],
  },
  {
    id: 'lost-card',
    question: '银行卡丢了怎么挂失?',
    similarQuestions: ['卡丢了怎么办', '如何挂失银行卡'],
    answer: '请立即在App「卡片管理」中临时挂失,或拨打客服热线正式挂失。',
    tags: ['card'],
  },
  {
    id: 'reset-password',
    question: 'How do I reset my online banking password?',
    similarQuestions: ['forgot my login password', 'reset password for internet banking'],
    answer: 'Tap "Forgot password" on the login page and verify with your ID and an SMS code.',
    tags: ['online-banking'],
  },
  {
    id: 'branch-hours',
    question: 'What are your branch opening hours?',
    similarQuestions: ['when are branches open', 'branch hours on weekends'],
    answer: 'Branches open 9:00-17:00 on weekdays and 9:00-16:00 on Saturdays.',
    tags: ['branch'],
  },
  {
    id: 'transfer-fee',
    question: '跨行转账收费吗?',
    similarQuestions: ['转账到别的银行要手续费吗', '跨行汇款费用'],
    answer: '手机银行跨行转账免费;柜台转账按金额的0.5%收取,最低2元。',
    tags: ['transfer'],
  },
];
